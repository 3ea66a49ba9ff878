using Scheduler.Core.Views;

namespace Scheduler.Tests.State;

/// <summary>The task pages of the REST API: key order, filters and totals, without sorting the whole graph.</summary>
public class TaskPagingTests
{
    [Fact]
    public void Pages_follow_key_order_whatever_the_submission_order_and_count_every_match()
    {
        var h = new Harness();
        h.AddClient("C");
        var keys = Enumerable.Range(0, 500).Select(i => $"t-{i:D4}").OrderBy(k => k.GetHashCode()).ToList();
        h.Submit("C", keys.Select(k => (k, Array.Empty<string>())).Append(("z-other", [])), keys.Append("z-other"));
        var sorted = keys.Order(StringComparer.Ordinal).ToList();

        var second = StateViews.Tasks(h.State, null, "t", null, page: 2, pageSize: 30);
        Assert.Equal(500, second.Total);
        Assert.Equal(sorted.Skip(30).Take(30), second.Items.Select(t => t.Key));

        var last = StateViews.Tasks(h.State, h.StatusOf(keys[0]), null, null, page: 17, pageSize: 30);
        Assert.Equal(501, last.Total);
        Assert.Equal(sorted.Append("z-other").Skip(480), last.Items.Select(t => t.Key));

        Assert.Empty(StateViews.Tasks(h.State, null, null, null, page: 100, pageSize: 30).Items);
        Assert.Equal(0, StateViews.Tasks(h.State, TaskStatus.Memory, null, null, 1, 10).Total);
    }
}
