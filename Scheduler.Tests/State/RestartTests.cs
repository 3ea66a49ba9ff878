using Scheduler.Core.Protocol;
using Scheduler.Core.State;
using static Scheduler.Tests.State.Harness;

namespace Scheduler.Tests.State;

/// <summary>restart: keys released, clients told, plain workers closed, nannies asked to kill, then wait for workers.</summary>
public class RestartTests
{
    private const string W1 = "tcp://127.0.0.1:1001", W2 = "tcp://127.0.0.1:1002", N2 = "tcp://127.0.0.1:2002", C = "Client-1";

    [Fact]
    public void Restart_releases_everything_kills_through_nannies_and_answers_once_workers_are_back()
    {
        var h = new Harness();
        h.AddWorker(W1);
        h.AddWorker(W2, nanny: N2);
        h.AddClient(C);
        h.Submit(C, [("a", []), ("b", ["a"])], ["b"]);

        var (id, cmds) = h.Rpc("restart", new MsgMap().Add("timeout", 10.0).Add("wait_for_workers", true).Add("client", C));
        Assert.Empty(h.State.Tasks);
        Assert.Single(ToClient(cmds, C, "restart"));
        Assert.Single(ToWorker(cmds, W1, "close")); // no nanny: closed for good
        var kill = Assert.IsType<BroadcastRpc>(Assert.Single(cmds, c => c is BroadcastRpc));
        Assert.Equal([(W2, N2)], kill.Targets);
        Assert.Equal("kill", Harness.Wire(kill.Message!)["op"]);
        Assert.Equal([W2], h.State.Workers.Keys);

        // The nanny killed its worker (nil reply); the old worker's stream ends; nothing answered yet.
        cmds = h.Send(new RpcCompleted(id, new MsgMap().Add(W2, null)));
        Assert.DoesNotContain(cmds, c => c is Reply);
        cmds = h.Send(new WorkerDisconnected(0, W2));
        Assert.DoesNotContain(cmds, c => c is Reply);
        // Two workers were there before: restart answers when two are back.
        h.AddWorker("tcp://127.0.0.1:1003", nanny: N2);
        cmds = h.AddWorker("tcp://127.0.0.1:1004");
        Assert.Null(Assert.Single(cmds.OfType<Reply>(), r => r.ReplyId == id).Written());
    }

    [Fact]
    public void Restart_without_workers_coming_back_times_out_with_a_TimeoutError()
    {
        var h = new Harness();
        h.AddWorker(W1);
        var (id, cmds) = h.Rpc("restart", new MsgMap().Add("timeout", 1.0).Add("wait_for_workers", true));
        Assert.DoesNotContain(cmds, c => c is Reply);
        cmds = h.Send(new Tick(), advance: 2);
        var reply = (MsgMap)Assert.Single(cmds.OfType<Reply>(), r => r.ReplyId == id).Written()!;
        Assert.Equal("uncaught-error", reply["status"]);
        Assert.StartsWith("TimeoutError: Waited for 1 worker(s)", (string)reply["exception_text"]!);
    }
}
