using Scheduler.Core.Protocol;

namespace Scheduler.Tests.Interop;

/// <summary>
/// RPC replies: a small one is written by the scheduler's own thread as it carries out the reply, a big one by the
/// asking connection's thread. Either way each request gets its own answer, in order, and a request that asks the comm
/// to close gets its answer before the close.
/// </summary>
[Collection("interop")]
public sealed class RpcReplyTests(ClusterFixture fixture)
{
    private DaskCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Requests_on_one_comm_are_answered_one_each_in_order_small_and_big_alike()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var c = await RawDaskClient.ConnectAsync(Cluster.Address);
        var topic = "rpc-reply-" + Guid.NewGuid().ToString("N");
        var padding = new string('y', 4 << 10);
        for (int i = 0; i < 40; i++)
        {
            // Small replies (None), then the topic's events, which grow past 64 KiB halfway.
            Assert.Null(await c.RequestAsync(new MsgMap().Add("op", "log_event").Add("topic", topic)
                .Add("msg", new MsgMap().Add("i", (long)i).Add("pad", padding)).Add("reply", true)));
            var events = Assert.IsAssignableFrom<IList<object?>>(await c.RequestAsync(new MsgMap().Add("op", "events").Add("topic", topic).Add("reply", true)));
            Assert.Equal(i + 1, events.Count);
            var last = Assert.IsType<MsgMap>(Assert.IsAssignableFrom<IList<object?>>(events[^1])[1]);
            Assert.Equal((long)i, MsgValues.AsLong(last["i"]));
            var identity = Assert.IsType<MsgMap>(await c.RequestAsync(new MsgMap().Add("op", "identity").Add("reply", true)));
            Assert.Equal("Scheduler", identity["type"]);
        }
    }

    [Fact]
    public async Task A_request_that_closes_the_comm_gets_its_answer_first()
    {
        for (int round = 0; round < 20; round++)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await using var c = await RawDaskClient.ConnectAsync(Cluster.Address);
            await c.Comm.WriteAsync(new MsgMap().Add("op", "identity").Add("reply", true).Add("close", true), cts.Token);
            var identity = Assert.IsType<MsgMap>(await c.Comm.ReadAsync(cts.Token));
            Assert.Equal("Scheduler", identity["type"]);
            await Assert.ThrowsAsync<EndOfStreamException>(() => c.Comm.ReadAsync(cts.Token));
        }
    }
}
