using System.Buffers.Binary;
using Scheduler.Core.Protocol;
using Scheduler.Host.Comm;

namespace Scheduler.Tests.Interop;

/// <summary>Malformed bytes and unknown ops hurt only the connection that sent them.</summary>
[Collection("interop")]
public sealed class BadInputTests(ClusterFixture fixture)
{
    private DaskCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task An_unknown_rpc_op_gets_a_nil_reply_and_the_comm_stays_usable()
    {
        await using var c = await RawDaskClient.ConnectAsync(Cluster.Address);
        Assert.Null(await c.RequestAsync(new MsgMap().Add("op", "no-such-op").Add("reply", true)));
        var identity = Assert.IsType<MsgMap>(await c.RequestAsync(new MsgMap().Add("op", "identity").Add("reply", true)));
        Assert.Equal("Scheduler", identity["type"]);
    }

    [Fact]
    public async Task Refused_ops_answer_an_uncaught_error_the_python_side_raises()
    {
        await using var c = await RawDaskClient.ConnectAsync(Cluster.Address);
        var reply = Assert.IsType<MsgMap>(await c.RequestAsync(new MsgMap().Add("op", "run_function").Add("function", new byte[] { 0x80 }).Add("reply", true)));
        Assert.Equal("uncaught-error", reply["status"]);
    }

    [Fact]
    public async Task A_request_whose_fields_cannot_be_read_is_answered_with_the_reason_and_the_comm_stays_usable()
    {
        // broadcast needs its msg map: the binder refuses the request at the connection, before the state sees it
        await using var c = await RawDaskClient.ConnectAsync(Cluster.Address);
        var reply = Assert.IsType<MsgMap>(await c.RequestAsync(new MsgMap().Add("op", "broadcast").Add("msg", 7L).Add("reply", true)));
        Assert.Equal("uncaught-error", reply["status"]);
        Assert.StartsWith("TypeError: broadcast: ", reply["exception_text"] as string);
        var identity = Assert.IsType<MsgMap>(await c.RequestAsync(new MsgMap().Add("op", "identity").Add("reply", true)));
        Assert.Equal("Scheduler", identity["type"]);
    }

    [Theory]
    [InlineData("register-client", "2025.4.0")]
    [InlineData("register-worker", "2026.7.1")]
    [InlineData("register-client", "2023.1.0")]
    public async Task A_version_this_scheduler_does_not_serve_is_refused_at_registration_saying_which_it_serves(string op, string version)
    {
        await using var c = await RawDaskClient.ConnectAsync(Cluster.Address);
        var versions = new MsgMap().Add("packages", new MsgMap().Add("python", "3.13.5.final.0").Add("distributed", version));
        var register = new MsgMap().Add("op", op).Add("reply", false).Add("versions", versions)
            .Add(op == "register-client" ? "client" : "address", op == "register-client" ? "Client-new" : "tcp://127.0.0.1:1");
        await c.Comm.WriteAsync(register, CancellationToken.None);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var reply = await c.Comm.ReadAsync(cts.Token);
        // A client reads a stream-start batch and raises its error; a worker reads a status reply.
        var answer = op == "register-client" ? Assert.IsType<MsgMap>(Assert.Single(Assert.IsType<object?[]>(reply))) : Assert.IsType<MsgMap>(reply);
        var text = (string)(answer["error"] ?? answer["message"])!;
        Assert.Contains(version, text);
        Assert.Contains("2022.12", text);
        Assert.Contains("2024.12", text);
        await Assert.ThrowsAsync<EndOfStreamException>(() => c.Comm.ReadAsync(cts.Token)); // then the scheduler hangs up
        // Nothing else is affected.
        await using var healthy = await RawDaskClient.ConnectAsync(Cluster.Address);
        Assert.IsType<MsgMap>(await healthy.RequestAsync(new MsgMap().Add("op", "identity").Add("reply", true)));
    }

    [Theory]
    [InlineData("huge-length")]
    [InlineData("garbage-msgpack")]
    [InlineData("no-handshake-bytes")]
    public async Task A_malformed_message_closes_only_that_connection(string kind)
    {
        await using var healthy = await RawDaskClient.ConnectAsync(Cluster.Address);
        await using var bad = await RawDaskClient.ConnectAsync(Cluster.Address, handshake: kind != "no-handshake-bytes");
        byte[] bytes = kind switch
        {
            "huge-length" => Prelude(ulong.MaxValue / 2, 1, 1),
            "garbage-msgpack" => FrameWriter.ToBytes([new byte[] { 0xc1, 0xc1, 0xc1 }]),
            _ => [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
        };
        if (kind == "no-handshake-bytes")
        {
            // read the scheduler's handshake first, then answer with nonsense instead of ours
            await bad.Comm.ReadFramesAsync(CancellationToken.None);
        }
        await bad.Stream.WriteAsync(bytes);
        var buffer = new byte[64];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        int n = await bad.Stream.ReadAsync(buffer, cts.Token);
        Assert.Equal(0, n); // the scheduler closed the bad connection
        var identity = Assert.IsType<MsgMap>(await healthy.RequestAsync(new MsgMap().Add("op", "identity").Add("reply", true)));
        Assert.Equal(2, ((MsgMap)identity["workers"]!).Count);
        Assert.False(Cluster.Scheduler.HasExited);
    }

    private static byte[] Prelude(ulong total, ulong n, ulong len)
    {
        var b = new byte[24];
        BinaryPrimitives.WriteUInt64LittleEndian(b, total);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(8), n);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(16), len);
        return b;
    }

    [Fact]
    public async Task A_client_sending_duplicate_and_unknown_stream_ops_is_not_dropped()
    {
        var output = await Cluster.RunScriptAsync("lenient_stream.py");
        Assert.Contains("OK lenient", output);
    }
}
