using Scheduler.Core.Protocol;
using Scheduler.Core.State;
using static Scheduler.Tests.State.Harness;

namespace Scheduler.Tests.State;

/// <summary>retire_workers: unique data is copied away before the worker goes; with nowhere to copy, it stays.</summary>
public class RetireWorkersTests
{
    private const string W1 = "tcp://127.0.0.1:1001", W2 = "tcp://127.0.0.1:1002", C = "Client-1";

    private static Harness WithKeyOn(params string[] workers)
    {
        var h = new Harness();
        foreach (var w in workers) h.AddWorker(w);
        h.AddClient(C);
        h.Rpc("update_data", new MsgMap().Add("who_has", new MsgMap().Add("k", new object?[] { W1 }))
            .Add("nbytes", new MsgMap().Add("k", 10L)).Add("client", C));
        return h;
    }

    [Fact]
    public void Unique_data_is_copied_to_a_running_worker_before_the_worker_is_removed()
    {
        var h = WithKeyOn(W1, W2);
        var (id, cmds) = h.Rpc("retire_workers", new MsgMap().Add("workers", new object?[] { W1 }).Add("close_workers", true));
        Assert.Equal("closing_gracefully", Assert.Single(ToWorker(cmds, W1, "worker-status-change"))["status"]);
        var acquire = Assert.Single(ToWorker(cmds, W2, "acquire-replicas"));
        Assert.Equal(new object?[] { W1 }, ((MsgMap)acquire["who_has"]!)["k"]);
        Assert.DoesNotContain(cmds, c => c is Reply);
        Assert.DoesNotContain(h.State.Workers[W1], h.State.Running);

        cmds = h.Send(new WorkerStreamOp(W2, "add-keys", new MsgMap().Add("keys", new object?[] { "k" }).Add("stimulus_id", "x")), advance: 0.1);
        var reply = (MsgMap)Assert.Single(cmds.OfType<Reply>(), r => r.ReplyId == id).Written()!;
        Assert.Equal([W1], reply.Select(p => (string)p.Key!));
        Assert.Single(ToWorker(cmds, W1, "close"));
        Assert.False(h.State.Workers.ContainsKey(W1));
        Assert.Equal([W2], h.State.Tasks["k"].WhoHas.Select(w => w.Address));
        Assert.Equal(TaskStatus.Memory, h.StatusOf("k"));
    }

    [Fact]
    public void Without_a_worker_to_take_the_data_retirement_is_abandoned()
    {
        var h = WithKeyOn(W1);
        var (id, cmds) = h.Rpc("retire_workers", new MsgMap().Add("workers", new object?[] { W1 }));
        Assert.Empty((MsgMap)Assert.Single(cmds.OfType<Reply>(), r => r.ReplyId == id).Written()!);
        Assert.Equal(["closing_gracefully", "running"], ToWorker(cmds, W1, "worker-status-change").Select(m => (string)m["status"]!));
        Assert.True(h.State.Workers.ContainsKey(W1));
    }
}
