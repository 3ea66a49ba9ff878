using Scheduler.Core.Protocol;

namespace Scheduler.Tests.Interop;

/// <summary>
/// A peer that stops reading its stream: the scheduler writes a stream's batches on its own thread at the end of each
/// turn and never waits for a send, so a full socket must hold up neither the scheduler nor anyone else, and what
/// queued up meanwhile must reach the peer whole and in order once it reads again.
/// </summary>
[Collection("interop")]
public sealed class SlowReaderTests(ClusterFixture fixture)
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
}
