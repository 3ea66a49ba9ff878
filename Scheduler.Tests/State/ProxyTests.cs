using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;
using Scheduler.Core.State;

namespace Scheduler.Tests.State;

/// <summary>
/// proxy (an Actor's calls from a client): to a worker, a broadcast of one; to an address that is no worker, Dask's
/// OSError (it connects and nothing answers), at once. An Actor's caller reads the OSError as "the worker may be gone"
/// and waits for the actor's future, which a lost worker errs (test_actor.py::test_failed_worker); a KeyError would
/// reach the user instead, so which came first, the worker's loss or the call, decided what the user saw.
/// </summary>
public class ProxyTests
{
    private const string W = "tcp://127.0.0.1:1";

    private static MsgMap Proxy(string worker) =>
        new MsgMap().Add("worker", worker).Add("msg", new MsgMap().Add("op", "actor_execute").Add("actor", "Counter-1").Add("function", "increment"));

    [Fact]
    public void A_proxy_to_a_worker_is_a_broadcast_to_it()
    {
        var h = new Harness();
        h.AddWorker(W);
        var (_, cmds) = h.Rpc("proxy", Proxy(W));
        Assert.Equal([(W, W)], Assert.Single(cmds.OfType<BroadcastRpc>()).Targets);
    }

    [Fact]
    public void A_proxy_to_a_worker_that_left_is_an_OSError()
    {
        var h = new Harness();
        h.AddWorker(W);
        h.Send(new WorkerDisconnected(W.GetHashCode(), W));
        var (id, cmds) = h.Rpc("proxy", Proxy(W));
        var reply = Assert.IsType<ErrorReply>(Assert.Single(cmds.OfType<Reply>(), r => r.ReplyId == id).Value);
        Assert.StartsWith("OSError: ", reply.Text);
        Assert.Empty(cmds.OfType<BroadcastRpc>());
    }
}
