using Scheduler.Core.Messages;
using Scheduler.Core.Protocol;
using Scheduler.Core.State;

namespace Scheduler.Tests.State;

/// <summary>
/// A 2024.12 nanny is starting from its register_nanny until its registration comm ends; a nanny plugin registered
/// meanwhile is broadcast only once no nanny is starting (test_nanny_plugin_register_during_start_*).
/// </summary>
public class StartingNannyTests
{
    private const string Nanny = "tcp://127.0.0.1:5000";

    private static MsgMap Plugin(string name) =>
        new MsgMap().Add("plugin", new byte[] { 0x80, 4, 0x2e }).Add("name", name).Add("idempotent", false);

    [Fact]
    public void A_nanny_plugin_waits_for_a_starting_nanny_then_goes_to_the_nannies()
    {
        var h = new Harness();
        h.Send(new RpcRequest(100, "register_nanny", new RegisterNannyRequest(Nanny)));
        var (_, registering) = h.Rpc("register_nanny_plugin", Plugin("foo"));
        Assert.Empty(registering.OfType<BroadcastRpc>());
        Assert.Empty(registering.OfType<Reply>());

        // Its worker connects, then the nanny's registration comm ends.
        h.AddWorker("tcp://127.0.0.1:1", nanny: Nanny);
        var ended = h.Send(new NannyStartEnded(Nanny));

        var broadcast = Assert.Single(ended.OfType<BroadcastRpc>());
        Assert.Equal([("tcp://127.0.0.1:1", Nanny)], broadcast.Targets);
    }

    [Fact]
    public void Without_a_starting_nanny_the_plugin_goes_at_once()
    {
        var h = new Harness();
        h.AddWorker("tcp://127.0.0.1:1", nanny: Nanny);
        var (_, registering) = h.Rpc("register_nanny_plugin", Plugin("foo"));
        Assert.Single(registering.OfType<BroadcastRpc>());
    }

    [Fact]
    public void A_2022_nanny_registration_names_no_address_and_starts_nothing()
    {
        var h = new Harness();
        h.Rpc("register_nanny");
        var (_, registering) = h.Rpc("register_nanny_plugin", Plugin("foo"));
        // Not held back: answered (no worker has a nanny) or broadcast in the same turn.
        Assert.True(registering.OfType<Reply>().Any() || registering.OfType<BroadcastRpc>().Any());
    }
}
