using Scheduler.Core.Protocol;

namespace Scheduler.Tests.Interop;

/// <summary>
/// What the scheduler writes, and from which thread. A stream's batches are written by the scheduler's own thread at
/// the end of each turn, never waiting for a send: a full socket must hold up neither the scheduler nor anyone else,
/// and what queued up meanwhile must reach the peer whole and in order once it reads again. A small RPC reply is written
/// by the scheduler's thread as it carries out the reply, a big one by the asking connection's thread: either way each
/// request gets its own answer, in order, and a request that asks the comm to close gets its answer before the close.
/// </summary>
[Collection("interop")]
public sealed class OutgoingWritesTests(ClusterFixture fixture)
{
    private DaskCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task A_client_that_stops_reading_blocks_nobody_and_then_gets_every_op_in_order()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        // A small receive buffer, so that the scheduler's side fills after a few hundred kilobytes.
        await using var slow = await RawDaskClient.ConnectAsync(Cluster.Address, receiveBufferBytes: 4096);
        await slow.Comm.WriteAsync(new MsgMap().Add("op", "register-client").Add("client", "Client-slow-reader").Add("reply", false), cts.Token);
        var start = Assert.IsType<MsgMap>(Assert.Single(Assert.IsType<object?[]>(await slow.Comm.ReadAsync(cts.Token))));
        Assert.Equal("stream-start", start["op"]);
        await slow.Comm.WriteAsync(new object?[] { new MsgMap().Add("op", "subscribe-topic").Add("topic", "slow-reader").Add("client", "Client-slow-reader") }, cts.Token);

        // 800 events of 16 KiB each (13 MB) go to the client, which reads none of them for now.
        await using var sender = await RawDaskClient.ConnectAsync(Cluster.Address);
        var padding = new string('x', 16 << 10);
        const int events = 800;
        for (int i = 0; i < events; i++)
        {
            var ack = await sender.RequestAsync(new MsgMap().Add("op", "log_event").Add("topic", "slow-reader")
                .Add("msg", new MsgMap().Add("i", (long)i).Add("pad", padding)).Add("reply", true));
            Assert.Null(ack);
        }

        // The scheduler still answers another peer at once, while the slow client's socket is full.
        await using var other = await RawDaskClient.ConnectAsync(Cluster.Address);
        var identity = Assert.IsType<MsgMap>(await other.RequestAsync(new MsgMap().Add("op", "identity").Add("reply", true), timeoutSeconds: 5));
        Assert.Equal("Scheduler", identity["type"]);

        // Now the client reads: every event, once, in the order it was logged.
        var seen = new List<long>();
        while (seen.Count < events)
        {
            var message = await slow.Comm.ReadAsync(cts.Token);
            foreach (var item in Assert.IsAssignableFrom<IList<object?>>(message))
            {
                var op = Assert.IsType<MsgMap>(item);
                if (op["op"] as string != "event") continue;
                Assert.Equal("slow-reader", op["topic"]);
                var payload = Assert.IsType<MsgMap>(Assert.IsAssignableFrom<IList<object?>>(op["event"])[1]);
                Assert.Equal(padding.Length, Assert.IsType<string>(payload["pad"]).Length);
                seen.Add(MsgValues.AsLong(payload["i"])!.Value);
            }
        }
        Assert.Equal(Enumerable.Range(0, events).Select(i => (long)i), seen);
    }

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
