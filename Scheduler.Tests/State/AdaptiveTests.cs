using Scheduler.Core.Protocol;
using Scheduler.Core.State;

namespace Scheduler.Tests.State;

/// <summary>adaptive_target and workers_to_close, as Dask's Adaptive uses them.</summary>
public class AdaptiveTests
{
    private const string W1 = "tcp://127.0.0.1:1001", W2 = "tcp://127.0.0.1:1002", W3 = "tcp://127.0.0.1:1003", C = "Client-1";

    [Fact]
    public void Idle_workers_with_the_least_data_are_the_ones_to_close()
    {
        var h = new Harness();
        foreach (var w in new[] { W1, W2, W3 }) h.AddWorker(w);
        h.AddClient(C);
        h.Rpc("update_data", new MsgMap().Add("who_has", new MsgMap().Add("k", new object?[] { W2 })).Add("nbytes", new MsgMap().Add("k", 1000L)).Add("client", C));
        h.Submit(C, [("busy", [])], ["busy"], annotations: new MsgMap().Add("workers", new object?[] { W3 }));

        var (_, cmds) = h.Rpc("workers_to_close", new MsgMap().Add("n", 1L));
        Assert.Equal(new object?[] { W1 }, Assert.Single(cmds.OfType<Reply>()).Written());
        // By memory: W1 (empty) and W2 (1 kB, plenty of limit left) can go; W3 is busy.
        (_, cmds) = h.Rpc("workers_to_close");
        Assert.Equal(new object?[] { W1, W2 }, Assert.Single(cmds.OfType<Reply>()).Written());
        Assert.Equal([W1, W2], h.State.WorkersToClose(minimum: 1).Select(w => w.Address));
        Assert.Equal([W1], h.State.WorkersToClose(target: 2).Select(w => w.Address));
    }

    [Fact]
    public void The_target_follows_the_queued_work_and_shrinks_when_idle()
    {
        var h = new Harness();
        h.AddClient(C);
        // No workers, 50 tasks waiting: at least one worker is wanted.
        h.Submit(C, Enumerable.Range(0, 50).Select(i => ($"t-{i}", Array.Empty<string>())), Enumerable.Range(0, 50).Select(i => $"t-{i}"));
        var (_, cmds) = h.Rpc("adaptive_target");
        Assert.Equal(5L, Assert.Single(cmds.OfType<Reply>()).Written()); // 50 x 0.5 s unknown duration / 5 s

        var idle = new Harness();
        foreach (var w in new[] { W1, W2 }) idle.AddWorker(w);
        (_, cmds) = idle.Rpc("adaptive_target");
        Assert.Equal(0L, Assert.Single(cmds.OfType<Reply>()).Written());
    }
}
