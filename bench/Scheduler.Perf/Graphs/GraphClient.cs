using System.Diagnostics;
using Scheduler.Core.Protocol;
using Scheduler.Host.Comm;
using Scheduler.Perf.Wire;

namespace Scheduler.Perf.Graphs;

/// <summary>What one submission took, as the client saw it.</summary>
public sealed record SubmitResult(string Graph, int Tasks, TimeSpan Encode, TimeSpan Wall, int Erred)
{
    public double TasksPerSecond => Tasks / Wall.TotalSeconds;
}

/// <summary>
/// A client as a 2022.12.1 <c>Client</c> connects (stream + RPC comm, register-client, stream-start),
/// that submits generated graphs with update-graph-hlg and waits for key-in-memory of every wanted key.
/// </summary>
public sealed class GraphClient : IAsyncDisposable
{
    private readonly DaskComm _stream;
    private readonly DaskComm _rpc;
    private readonly string _id = "Client-" + Guid.NewGuid();

    private GraphClient(DaskComm stream, DaskComm rpc)
    {
        _stream = stream;
        _rpc = rpc;
    }

    public static async Task<GraphClient> ConnectAsync(string scheduler, CancellationToken ct)
    {
        var stream = await Connect.ToAsync(scheduler, ct).ConfigureAwait(false);
        var rpc = await Connect.ToAsync(scheduler, ct).ConfigureAwait(false);
        var client = new GraphClient(stream, rpc);
        await stream.WriteAsync(new MsgMap().Add("op", "register-client").Add("client", client._id).Add("reply", false)
            .Add("versions", new MsgMap()), ct).ConfigureAwait(false);
        var first = await stream.ReadAsync(ct).ConfigureAwait(false) as object?[];
        if (first is not [MsgMap { } start] || start["op"] as string != "stream-start")
            throw new InvalidOperationException("the scheduler did not start the client stream");
        return client;
    }

    /// <summary>Workers the scheduler reports as running (identity RPC, as wait_for_workers polls it).</summary>
    public async Task<int> RunningWorkersAsync(CancellationToken ct)
    {
        var identity = await _rpc.CallAsync(new MsgMap().Add("op", "identity").Add("reply", true), ct).ConfigureAwait(false) as MsgMap;
        if (identity?["workers"] is not MsgMap workers) return 0;
        return workers.Count(w => w.Value is MsgMap m && m["status"] as string == "running");
    }

    public async Task WaitForWorkersAsync(int n, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (await RunningWorkersAsync(ct).ConfigureAwait(false) < n)
        {
            if (deadline.Elapsed > timeout) throw new TimeoutException($"fewer than {n} workers after {timeout.TotalSeconds} s");
            await Task.Delay(100, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Encodes and sends the graph, then waits until every wanted key is in memory (or erred). The wall time
    /// runs from the first byte sent to the last report; encoding is timed apart (the client's cost, not the
    /// scheduler's). The wanted keys are released afterwards, as a client dropping its futures does.
    /// </summary>
    public async Task<SubmitResult> SubmitAsync(GeneratedGraph graph, CancellationToken ct)
    {
        var encodeClock = Stopwatch.StartNew();
        var frames = Encode(graph);
        encodeClock.Stop();
        var clock = Stopwatch.StartNew();
        await SendAsync(frames, ct).ConfigureAwait(false);
        int erred = await WaitAsync(graph, ct).ConfigureAwait(false);
        return new SubmitResult(graph.Name, graph.Count, encodeClock.Elapsed, clock.Elapsed, erred);
    }

    /// <summary>The graph as the frames of one update-graph-hlg batch.</summary>
    public List<byte[]> Encode(GeneratedGraph graph) =>
        MsgEncoder.EncodeFrames(new object?[] { GraphShapes.UpdateGraphMessage(graph) }, _stream.PeerAcceptsLz4);

    public Task SendAsync(List<byte[]> frames, CancellationToken ct) => _stream.WriteFramesAsync([frames], ct);

    /// <summary>Waits for key-in-memory (or task-erred) of every wanted key, then releases them; returns how many erred.</summary>
    public async Task<int> WaitAsync(GeneratedGraph graph, CancellationToken ct)
    {
        var pending = new HashSet<string>(graph.Wanted, StringComparer.Ordinal);
        int erred = 0;
        while (pending.Count > 0)
        {
            if (await _stream.ReadAsync(ct).ConfigureAwait(false) is not object?[] batch) continue;
            foreach (var m in batch)
            {
                if (m is not MsgMap msg || msg["key"] is not string key) continue;
                switch (msg["op"] as string)
                {
                    case "key-in-memory": pending.Remove(key); break;
                    case "task-erred":
                    case "cancelled-key":
                        if (pending.Remove(key)) erred++;
                        break;
                }
            }
        }
        await _stream.WriteAsync(new object?[]
        {
            new MsgMap().Add("op", "client-releases-keys").Add("keys", graph.Wanted).Add("client", _id),
        }, ct).ConfigureAwait(false);
        return erred;
    }

    /// <summary>One round trip on the RPC comm that the scheduler answers from its state (who_has of nothing).</summary>
    public async Task<TimeSpan> PingAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        await _rpc.CallAsync(new MsgMap().Add("op", "who_has").Add("keys", Array.Empty<object?>()).Add("reply", true), ct).ConfigureAwait(false);
        return clock.Elapsed;
    }

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _stream.WriteAsync(new object?[] { new MsgMap().Add("op", "close-client"), new MsgMap().Add("op", "close-stream") },
                quick.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or EndOfStreamException or IOException or InvalidOperationException)
        {
            // The scheduler already closed the stream (or is gone): nothing left to say.
        }
        await _stream.CompleteAsync().ConfigureAwait(false);
        await _rpc.CompleteAsync().ConfigureAwait(false);
    }
}
