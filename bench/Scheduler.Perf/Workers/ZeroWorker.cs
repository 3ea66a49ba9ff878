using System.Net;
using System.Net.Sockets;
using Scheduler.Core.Protocol;
using Scheduler.Host.Comm;
using Scheduler.Perf.Wire;

namespace Scheduler.Perf.Workers;

/// <summary>
/// A Dask worker that does no work: it registers like a 2022.12.1 worker, answers every compute-task at
/// once with task-finished (nbytes 28, an int), pretends to have fetched dependencies it lacks (add-keys, as
/// a real worker says after a transfer), answers free-keys with release-worker-data, heartbeats, and serves
/// get_data with a tiny payload. What is left to measure is the scheduler's own cost per task.
/// Replies to one incoming batch go out as one batch, as Python's BatchedSend would group them.
/// </summary>
public sealed class ZeroWorker : IAsyncDisposable
{
    private readonly string _scheduler;
    private readonly int _nthreads;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<string> _memory = new(StringComparer.Ordinal);
    private readonly long _thread = Random.Shared.NextInt64(1, long.MaxValue);
    private DaskComm? _stream;
    private Task _tasks = Task.CompletedTask;
    private double _heartbeatInterval = 0.5;

    public ZeroWorker(string scheduler, string name, int nthreads = 1)
    {
        _scheduler = scheduler;
        _nthreads = nthreads;
        Name = name;
        _listener.Start(512);
        Address = $"tcp://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
    }

    public string Name { get; }
    public string Address { get; }

    /// <summary>Tasks finished since start.</summary>
    public long Finished => Interlocked.Read(ref _finished);
    private long _finished;

    /// <summary>Why the worker stopped, if it stopped on its own (scheduler gone, close, protocol error).</summary>
    public string? Stopped { get; private set; }

    public async Task StartAsync(CancellationToken ct)
    {
        var stream = await Connect.ToAsync(_scheduler, ct).ConfigureAwait(false);
        await stream.WriteAsync(WorkerMessages.Register(Address, Name, _nthreads, "Worker-" + Guid.NewGuid()), ct).ConfigureAwait(false);
        if (await stream.ReadAsync(ct).ConfigureAwait(false) is not MsgMap reply || reply["status"] as string != "OK")
            throw new InvalidOperationException($"{Name}: the scheduler refused registration");
        _heartbeatInterval = MsgValues.AsDouble(reply["heartbeat-interval"]) ?? 0.5;
        await stream.WriteAsync(new object?[] { WorkerMessages.StatusRunning() }, ct).ConfigureAwait(false);
        _stream = stream;
        _tasks = Task.WhenAll(ReadStreamAsync(stream), HeartbeatAsync(), AcceptAsync());
    }

    private async Task ReadStreamAsync(DaskComm stream)
    {
        var ct = _stop.Token;
        var outgoing = new List<object?>();
        var fetched = new List<object?>();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var batch = await stream.ReadAsync(ct).ConfigureAwait(false);
                if (batch is not object?[] messages) continue;
                double now = Connect.Now();
                foreach (var m in messages)
                {
                    if (m is not MsgMap msg) continue;
                    switch (msg["op"] as string)
                    {
                        case "compute-task":
                            if (msg["who_has"] is MsgMap whoHas)
                                foreach (var (dep, _) in whoHas)
                                    if (dep is string d && _memory.Add(d)) fetched.Add(d);
                            if (msg["key"] is string key)
                            {
                                _memory.Add(key);
                                outgoing.Add(WorkerMessages.TaskFinished(key, _thread, now));
                                _finished++;
                            }
                            break;
                        case "free-keys":
                        case "remove-replicas":
                            foreach (var k in MsgValues.SetItems(msg["keys"]))
                                if (k is string s && _memory.Remove(s)) outgoing.Add(WorkerMessages.ReleaseData(s, now));
                            break;
                        case "acquire-replicas":
                            if (msg["who_has"] is MsgMap wanted)
                                foreach (var (k, _) in wanted)
                                    if (k is string s && _memory.Add(s)) fetched.Add(s);
                            break;
                        case "steal-request":
                            var stolen = msg["key"] as string;
                            outgoing.Add(WorkerMessages.StealResponse(stolen, stolen != null && _memory.Contains(stolen) ? "memory" : null, now));
                            break;
                        case "close":
                            Stopped = "closed by the scheduler";
                            _stop.Cancel();
                            return;
                    }
                }
                if (fetched.Count > 0)
                {
                    outgoing.Insert(0, WorkerMessages.AddKeys(fetched, now));
                    fetched.Clear();
                }
                if (outgoing.Count > 0)
                {
                    await stream.WriteAsync(outgoing.ToArray(), ct).ConfigureAwait(false);
                    outgoing.Clear();
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or EndOfStreamException or IOException or ProtocolException
                                       or ObjectDisposedException or InvalidOperationException)
        {
            // InvalidOperationException: the pipe was completed under us (the worker is being disposed).
            Stopped ??= ct.IsCancellationRequested ? null : $"stream ended: {e.Message}";
            _stop.Cancel();
        }
    }

    private async Task HeartbeatAsync()
    {
        var ct = _stop.Token;
        try
        {
            var rpc = await Connect.ToAsync(_scheduler, ct).ConfigureAwait(false);
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(_heartbeatInterval), ct).ConfigureAwait(false);
                var reply = await rpc.CallAsync(WorkerMessages.Heartbeat(Address, _memory.Count), ct).ConfigureAwait(false) as MsgMap;
                if (reply?["status"] as string == "missing") { Stopped = "the scheduler forgot this worker"; _stop.Cancel(); return; }
                if (MsgValues.AsDouble(reply?["heartbeat-interval"]) is double interval) _heartbeatInterval = interval;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or EndOfStreamException or IOException or ProtocolException or SocketException)
        {
        }
    }

    /// <summary>Serves peers: get_data with a tiny payload per key, identity; an error for anything else.</summary>
    private async Task AcceptAsync()
    {
        var ct = _stop.Token;
        var peers = new List<Task>();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var socket = await _listener.AcceptSocketAsync(ct).ConfigureAwait(false);
                peers.Add(ServeAsync(socket, ct));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        await Task.WhenAll(peers).ConfigureAwait(false);
    }

    private async Task ServeAsync(Socket socket, CancellationToken ct)
    {
        try
        {
            var comm = await Connect.AcceptedAsync(socket, ct).ConfigureAwait(false);
            while (!ct.IsCancellationRequested)
            {
                if (await comm.ReadFramesAsync(ct).ConfigureAwait(false) is not { } frames) return;
                if (MsgDecoder.Decode(frames) is not MsgMap req) continue;
                string? op = req["op"] as string;
                if (op == "close") return;
                object? reply = op switch
                {
                    "get_data" => new MsgMap().Add("status", "OK").Add("data", DataFor(MsgValues.SetItems(req["keys"]))),
                    "identity" => new MsgMap().Add("type", "Worker").Add("id", Name).Add("address", Address),
                    _ => new MsgMap().Add("status", "error").Add("exception_text", $"the zero worker does not serve {op}"),
                };
                await comm.WriteAsync(reply, ct).ConfigureAwait(false);
                if (op == "get_data") await comm.ReadAsync(ct).ConfigureAwait(false); // the requester's "OK"
            }
        }
        catch (Exception e) when (e is OperationCanceledException or EndOfStreamException or IOException or ProtocolException or SocketException)
        {
        }
        finally
        {
            socket.Dispose();
        }
    }

    private static MsgMap DataFor(IEnumerable<object?> keys)
    {
        var data = new MsgMap();
        foreach (var k in keys) data.Add(k, WorkerMessages.Payload());
        return data;
    }

    public async ValueTask DisposeAsync()
    {
        if (_stream != null && !_stop.IsCancellationRequested)
        {
            try
            {
                using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _stream.WriteAsync(new object?[] { new MsgMap().Add("op", "close-stream") }, quick.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or EndOfStreamException or IOException or InvalidOperationException)
            {
            }
        }
        _stop.Cancel();
        _listener.Stop();
        if (_stream != null) await _stream.CompleteAsync().ConfigureAwait(false);
        // The loops end on their own once cancelled; whatever they died of no longer matters here.
        await _tasks.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
