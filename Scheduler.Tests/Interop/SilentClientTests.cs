using Scheduler.Core.Protocol;

namespace Scheduler.Tests.Interop;

/// <summary>A client that registers and then never speaks again is dropped after client-ttl.</summary>
[Collection("interop")]
public sealed class SilentClientInteropTests
{
    [Fact]
    public async Task A_silent_client_gets_stream_closed_and_its_connection_ends()
    {
        await using var cluster = await DaskCluster.StartAsync(workers: 0,
            env: new Dictionary<string, string> { ["DASK_DISTRIBUTED__SCHEDULER__CLIENT_TTL"] = "1s" });
        await using var c = await RawDaskClient.ConnectAsync(cluster.Address);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await c.Comm.WriteAsync(new MsgMap().Add("op", "register-client").Add("client", "Client-silent").Add("reply", false), cts.Token);
        var ops = new List<string>();
        try
        {
            while (true)
            {
                var msg = await c.Comm.ReadAsync(cts.Token);
                foreach (var m in msg as IList<object?> ?? [msg])
                    if (m is MsgMap map && map["op"] is string op) ops.Add(op);
            }
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ProtocolException) { }
        Assert.Equal(["stream-start", "stream-closed"], ops);
        // The console logger writes on its own thread: the line may reach the output just after the connection ends.
        await cluster.Scheduler.WaitForOutputAsync("client Client-silent sent nothing", TimeSpan.FromSeconds(10));
    }
}
