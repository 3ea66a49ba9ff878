using Scheduler.Core.Protocol;
using Scheduler.Core.State;

namespace Scheduler.Tests.State;

/// <summary>restart_workers (2024.12): each nanny has the request's timeout to kill its worker.</summary>
public class RestartWorkersTests
{
    private const string W = "tcp://127.0.0.1:1", Nanny = "tcp://127.0.0.1:5000";

    [Fact]
    public void Each_nanny_kill_is_bounded_by_the_requests_timeout()
    {
        var h = new Harness();
        h.AddWorker(W, nanny: Nanny);
        var (_, cmds) = h.Rpc("restart_workers", new MsgMap().Add("workers", new object?[] { W }).Add("timeout", 2.0));
        var kill = Assert.Single(cmds.OfType<BroadcastRpc>());
        Assert.Equal([(W, Nanny)], kill.Targets);
        Assert.Equal(2.0, kill.Timeout);
    }

    [Fact]
    public void A_nanny_that_does_not_answer_in_time_is_timed_out_and_its_worker_removed()
    {
        var h = new Harness();
        h.AddWorker(W, nanny: Nanny);
        var (id, cmds) = h.Rpc("restart_workers", new MsgMap().Add("workers", new object?[] { W }).Add("timeout", 2.0)
            .Add("on_error", "return").Add("wait_for_workers", false));
        var kill = Assert.Single(cmds.OfType<BroadcastRpc>());
        // What the host answers for a call that ran out of time (on_error="return": the error, pickled).
        var answer = new MsgMap().Add(W, Scheduler.Core.Pickle.SchedulerExceptions.OSError("TimeoutError: no answer within 2 s"));
        var done = h.Send(new RpcCompleted(kill.ReplyId, answer));
        var reply = Assert.Single(done.OfType<Reply>(), r => r.ReplyId == id);
        Assert.Equal("timed out", ((MsgMap)reply.Value!)[W]);
        Assert.False(h.State.Workers.ContainsKey(W));
    }
}
