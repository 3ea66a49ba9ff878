using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Scheduler.Core.State;
using Scheduler.Core.Views;
using Scheduler.Dashboard.Components.Controls;
using Scheduler.Dashboard.Components.Pages;
using Scheduler.Dashboard.Services;
using Scheduler.Tests.State;

namespace Scheduler.Tests.Dashboard;

/// <summary>bUnit tests of the dashboard's components, over a real scheduler state driven by the state harness.</summary>
public class ComponentTests
{
    /// <summary>Reads a real <see cref="SchedulerState"/> directly (no actor), or fails as a scheduler that does not answer.</summary>
    private sealed class StateReader(SchedulerState state, bool broken = false) : IClusterReader
    {
        public long Version { get; set; }

        public Task<T> ReadAsync<T>(Func<SchedulerState, T> read, CancellationToken ct = default) =>
            broken ? Task.FromException<T>(new TimeoutException("no answer within 10 s")) : Task.FromResult(read(state));
    }

    private sealed class NoHistory : IHistoryReader
    {
        public bool Available => false;
        public Task<(IReadOnlyList<HistoryComputation> Items, int Total)> ComputationsAsync(string? text, string? outcome, int page, int pageSize, CancellationToken ct) => throw new InvalidOperationException();
        public Task<(IReadOnlyList<HistoryTask> Items, int Total)> TasksAsync(long? computation, string? key, string? state, int page, int pageSize, CancellationToken ct) => throw new InvalidOperationException();
    }

    private static BunitContext Context(IClusterReader reader)
    {
        var ctx = new BunitContext();
        ctx.Services.AddSingleton(reader);
        ctx.Services.AddSingleton<IHistoryReader>(new NoHistory());
        ctx.Services.AddSingleton<ClusterFeed>();
        return ctx;
    }

    private static Harness Busy()
    {
        var h = new Harness();
        h.AddWorker("tcp://127.0.0.1:1001", nthreads: 2);
        h.AddClient("Client-1");
        h.Submit("Client-1", [("inc-1", []), ("inc-2", []), ("inc-3", []), ("sum-1", ["inc-1", "inc-2", "inc-3"])], ["sum-1"]);
        h.Finish("tcp://127.0.0.1:1001", "inc-1");
        return h;
    }

    [Fact]
    public void Status_shows_progress_per_group_and_the_workers()
    {
        var h = Busy();
        using var ctx = Context(new StateReader(h.State));
        var page = ctx.Render<Status>();
        page.WaitForAssertion(() => Assert.Equal("1", page.Find("[data-testid=workers-count]").TextContent));
        var inc = page.Find("[data-group=inc]");
        Assert.Equal("1", inc.GetAttribute("data-done"));
        Assert.Equal("3", inc.GetAttribute("data-total"));
        Assert.Equal("0", page.Find("[data-group=sum]").GetAttribute("data-done"));
        Assert.Single(page.FindAll("[data-testid=worker-bars] tbody tr"));
        Assert.Empty(page.FindAll("[data-testid=error-state]"));
    }

    [Fact]
    public void Status_of_an_empty_cluster_says_what_to_do()
    {
        using var ctx = Context(new StateReader(new Harness().State));
        var page = ctx.Render<Status>();
        page.WaitForAssertion(() => Assert.Contains("dask-worker", page.Find("[data-testid=empty-state]").TextContent));
    }

    [Fact]
    public void A_scheduler_that_does_not_answer_shows_the_error_state()
    {
        using var ctx = Context(new StateReader(new Harness().State, broken: true));
        var page = ctx.Render<Status>();
        page.WaitForAssertion(() => Assert.Contains("did not answer", page.Find("[data-testid=error-state]").TextContent));
    }

    [Fact]
    public void Task_stream_draws_one_bar_per_task_run_and_an_empty_state_without_any()
    {
        using var ctx = new BunitContext();
        var empty = ctx.Render<TaskStreamChart>(p => p.Add(c => c.Bars, []));
        Assert.NotNull(empty.Find("[data-testid=empty-state]"));
        var bars = new List<TaskStreamBar>
        {
            new(1, "inc-1", "inc", "tcp://a:1", 1, "compute", 100.0, 100.5, "OK"),
            new(2, "inc-2", "inc", "tcp://a:1", 2, "compute", 100.2, 100.9, "OK"),
            new(3, "fail-1", "fail", "tcp://b:1", 1, "compute", 100.3, 100.4, "error"),
        };
        var chart = ctx.Render<TaskStreamChart>(p => p.Add(c => c.Bars, bars));
        Assert.Equal("3", chart.Find("[data-testid=task-stream]").GetAttribute("data-bars"));
        Assert.Equal("3", chart.Find("[data-testid=task-stream]").GetAttribute("data-rows"));
        // One path per prefix and kind, one rectangle ("M...z") per task run.
        var inc = chart.Find("path[data-prefix=inc]");
        Assert.Equal("2", inc.GetAttribute("data-count"));
        Assert.Equal(2, inc.GetAttribute("d")!.Count(c => c == 'M'));
        Assert.Equal("1", chart.Find("path[data-prefix=fail]").GetAttribute("data-count"));
        Assert.Equal("#c0392b", chart.Find("path[data-prefix=fail]").GetAttribute("fill"));
        Assert.Contains("3 worker threads", chart.Markup);
    }

    [Fact]
    public void Task_page_shows_the_story_of_a_live_task()
    {
        var h = Busy();
        using var ctx = Context(new StateReader(h.State));
        ctx.Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().NavigateTo("task?key=inc-1");
        var page = ctx.Render<TaskPage>();
        page.WaitForAssertion(() => Assert.Equal("memory", page.Find("[data-testid=task-state]").TextContent));
        Assert.Contains("processing", page.Find("[data-testid=story]").TextContent);
        Assert.Contains("sum-1", page.Markup);
    }

    [Fact]
    public void History_page_without_a_database_says_so()
    {
        using var ctx = Context(new StateReader(new Harness().State));
        var page = ctx.Render<History>();
        Assert.Contains("history is off", page.Find("[data-testid=error-state]").TextContent);
    }
}
