using Scheduler.Core.Protocol;
using Scheduler.Core.State;
using Scheduler.Core.Views;

namespace Scheduler.Tests.State;

/// <summary>The task stream: one record per finished or erred task, selected by when it started.</summary>
public class TaskStreamTests
{
    private const string W1 = "tcp://127.0.0.1:1001", C = "Client-1";

    private static void Finish(Harness h, string key, double start) =>
        h.Send(new WorkerStreamOp(W1, "task-finished", new MsgMap().Add("op", "task-finished").Add("key", key)
            .Add("status", "OK").Add("nbytes", 8L).Add("thread", 7L).Add("stimulus_id", "finished-" + key)
            .Add("startstops", new object?[] { new MsgMap().Add("action", "compute").Add("start", start).Add("stop", start + 1) })));

    [Fact]
    public void Records_carry_the_worker_report_and_are_selected_by_start_time_whatever_the_finish_order()
    {
        var h = new Harness();
        h.AddWorker(W1, nthreads: 3);
        h.AddClient(C);
        h.Submit(C, [("a", []), ("b", []), ("c", [])], ["a", "b", "c"]);
        Finish(h, "b", 20); // finishes first, started later
        Finish(h, "a", 10);
        Finish(h, "c", 30);
        var (_, cmds) = h.Rpc("get_task_stream", new MsgMap().Add("start", 15.0));
        var records = ((object?[])Assert.Single(cmds.OfType<Reply>()).Written()!).Cast<MsgMap>().ToList();
        Assert.Equal(["b", "c"], records.Select(r => TaskKeys.FromWire(r["key"])!));
        Assert.All(records, r => Assert.Equal((W1, 7L, "OK"), ((string)r["worker"]!, (long)r["thread"]!, (string)r["status"]!)));
        Assert.DoesNotContain(records, r => r.ContainsKey("op"));

        (_, cmds) = h.Rpc("get_task_stream", new MsgMap().Add("count", 1L));
        Assert.Equal("c", ((MsgMap)((object?[])Assert.Single(cmds.OfType<Reply>()).Written()!)[0]!)["key"]);
    }

    [Fact]
    public void The_dashboard_view_reads_only_records_after_the_last_one_it_saw_and_at_most_the_newest_max()
    {
        var h = new Harness();
        h.AddWorker(W1, nthreads: 3);
        h.AddClient(C);
        h.Submit(C, [("a", []), ("b", []), ("c", [])], ["a", "b", "c"]);
        Finish(h, "a", 10);
        Finish(h, "b", 20);
        var first = StateViews.TaskStreamSince(h.State, 0, 100);
        Assert.Equal([(1L, "a", W1), (2L, "b", W1)], first.Select(b => (b.Sequence, b.Key, b.Worker)));
        Finish(h, "c", 30);
        var next = StateViews.TaskStreamSince(h.State, first[^1].Sequence, 100);
        Assert.Equal((3L, "c", 30.0, 31.0), (Assert.Single(next).Sequence, next[0].Key, next[0].Start, next[0].Stop));
        Assert.Equal(["b", "c"], StateViews.TaskStreamSince(h.State, 0, 2).Select(b => b.Key));
    }
}
