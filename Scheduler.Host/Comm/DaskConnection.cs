using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using Scheduler.Core.Protocol;

namespace Scheduler.Host.Comm;

/// <summary>What an accepted connection has become after its first messages.</summary>
public enum ConnectionRole { Rpc, Client, Worker }

/// <summary>
/// An accepted Dask connection once it is a stream. The actor queues outgoing ops here during its turn, and at the
/// end of the turn <see cref="Flush"/> writes whatever has accumulated as one batch with one flush, as Dask's
/// BatchedSend does, on the actor's own thread. There is no send loop to wake: each wake-up of another thread costs
/// more than encoding a batch on a busy two-core machine. When the peer is slow to read, the flush completes later;
/// ops queued meanwhile wait here and the flush's continuation writes them, so the actor never waits and a slow
/// peer only ever fills its own queue.
/// </summary>
public sealed class DaskConnection
{
    private const int KindOp = 0, KindRaw = 1, KindClose = 2;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _closed = new();
    // The queue and whether a write is under way; the actor adds, and whoever holds the write takes.
    private readonly object _gate = new();
    private List<(int Kind, object? Payload)> _queued = [];
    private List<(int Kind, object? Payload)> _taking = [];
    private bool _writing, _aborted;
    // Used only by the holder of the write: the messages of one write, and the ops of its current batch.
    private readonly List<object?> _messages = [];
    private readonly List<object?> _batch = [];

    public DaskConnection(long id, DaskComm comm, ILogger log)
    {
        Id = id;
        Comm = comm;
        _log = log;
    }

    public long Id { get; }
    public DaskComm Comm { get; }
    public ConnectionRole Role { get; set; } = ConnectionRole.Rpc;
    /// <summary>The worker address or client id this stream belongs to, once the scheduler accepted it.</summary>
    public string? BoundTo { get; set; }
    public CancellationToken Closed => _closed.Token;

    /// <summary>Queue one op for the next batch; true when the queue was empty (the connection needs a flush).</summary>
    public bool EnqueueOp(MsgMap op) => Enqueue(KindOp, op);

    /// <summary>Queue one message that must go alone, not inside a batch (registration replies).</summary>
    public bool EnqueueRaw(object? message) => Enqueue(KindRaw, message);

    /// <summary>Close the connection once everything queued before has been written.</summary>
    public bool EnqueueClose() => Enqueue(KindClose, null);

    private bool Enqueue(int kind, object? payload)
    {
        lock (_gate)
        {
            if (_aborted) return false;
            _queued.Add((kind, payload));
            return _queued.Count == 1;
        }
    }

    public void Abort()
    {
        lock (_gate)
        {
            _aborted = true;
            _queued.Clear();
        }
        try { _closed.Cancel(); } catch (ObjectDisposedException) { }
    }

    /// <summary>
    /// Writes what is queued, unless a write is already under way (its continuation writes it). Called by the actor
    /// at the end of its turn; never waits and never throws.
    /// </summary>
    public void Flush()
    {
        lock (_gate)
        {
            if (_writing || _aborted || _queued.Count == 0) return;
            _writing = true;
        }
        WriteQueued();
    }

    /// <summary>Holds the write: writes batches until the queue is empty or a flush must be waited for.</summary>
    private void WriteQueued()
    {
        try
        {
            while (true)
            {
                List<(int Kind, object? Payload)> items;
                lock (_gate)
                {
                    if (_aborted || _queued.Count == 0)
                    {
                        _writing = false;
                        return;
                    }
                    items = _queued;
                    _queued = _taking;
                    _taking = items;
                }
                bool close = Collect(items);
                items.Clear();
                if (_messages.Count > 0)
                {
                    if (!Comm.TryWriteNow(_messages, out var flush))
                    {
                        // Another writer holds the comm (never the case on a stream today): wait for it off this thread,
                        // with copies, since the batch list is reused.
                        var messages = _messages.Select(m => ReferenceEquals(m, _batch) ? _batch.ToArray() : m).ToArray();
                        ClearWrite();
                        _ = WriteLaterAsync(Comm.WriteMessagesAsync(messages, CancellationToken.None), close);
                        return;
                    }
                    ClearWrite(); // encoded by now
                    if (!flush.IsCompleted)
                    {
                        _ = WriteLaterAsync(flush.AsTask(), close);
                        return;
                    }
                    if (flush.Result.IsCompleted) throw new EndOfStreamException($"{Comm.Peer} stopped reading");
                }
                if (close)
                {
                    Abort();
                    return;
                }
            }
        }
        catch (Exception e)
        {
            Ended(e);
        }
    }

    /// <summary>Waits for a write that could not complete at once, then goes on writing what was queued meanwhile.</summary>
    private async Task WriteLaterAsync(Task write, bool close)
    {
        try
        {
            await write.ConfigureAwait(false);
            if (write is Task<FlushResult> { Result.IsCompleted: true }) throw new EndOfStreamException($"{Comm.Peer} stopped reading");
        }
        catch (Exception e)
        {
            Ended(e);
            return;
        }
        if (close)
        {
            Abort();
            return;
        }
        WriteQueued();
    }

    /// <summary>
    /// The ops queued since the last write go out as one msgpack array; raw messages go alone, in order. The last batch
    /// is the reused list itself, encoded before the write returns.
    /// </summary>
    private bool Collect(List<(int Kind, object? Payload)> items)
    {
        foreach (var item in items)
        {
            switch (item.Kind)
            {
                case KindOp: _batch.Add(item.Payload); break;
                case KindRaw:
                    if (_batch.Count > 0)
                    {
                        _messages.Add(_batch.ToArray());
                        _batch.Clear();
                    }
                    _messages.Add(item.Payload);
                    break;
                default:
                    if (_batch.Count > 0) _messages.Add(_batch);
                    return true;
            }
        }
        if (_batch.Count > 0) _messages.Add(_batch);
        return false;
    }

    private void ClearWrite()
    {
        _messages.Clear();
        _batch.Clear();
    }

    private void Ended(Exception e)
    {
        if (e is IOException or EndOfStreamException or InvalidOperationException or ObjectDisposedException or OperationCanceledException)
            _log.LogDebug(e, "writing to connection {Id} ({Peer}) ended", Id, Comm.Peer);
        else
            _log.LogError(e, "writing to connection {Id} ({Peer}) failed; closing it", Id, Comm.Peer);
        ClearWrite();
        lock (_gate) _writing = false;
        Abort();
    }
}
