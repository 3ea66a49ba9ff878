using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Scheduler.Core.Protocol;

namespace Scheduler.Host.Comm;

/// <summary>What an accepted connection has become after its first messages.</summary>
public enum ConnectionRole { Rpc, Client, Worker }

/// <summary>
/// An accepted Dask connection once it is a stream: outgoing ops are queued here by the actor (never
/// awaited) and a send loop writes whatever has accumulated as one batch with one flush, as Dask's
/// BatchedSend does. A slow peer only ever fills its own queue.
/// </summary>
public sealed class DaskConnection
{
    private readonly Channel<(int Kind, object? Payload)> _out =
        Channel.CreateUnbounded<(int, object?)>(new UnboundedChannelOptions { SingleReader = true });
    private const int KindOp = 0, KindRaw = 1, KindClose = 2;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _closed = new();

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

    /// <summary>Queue one op for the next batch.</summary>
    public void EnqueueOp(MsgMap op) => _out.Writer.TryWrite((KindOp, op));

    /// <summary>Queue one message that must go alone, not inside a batch (registration replies).</summary>
    public void EnqueueRaw(object? message) => _out.Writer.TryWrite((KindRaw, message));

    /// <summary>Close the connection once everything queued before has been written.</summary>
    public void EnqueueClose() => _out.Writer.TryWrite((KindClose, null));

    public void Abort()
    {
        _out.Writer.TryComplete();
        try { _closed.Cancel(); } catch (ObjectDisposedException) { }
    }

    public async Task SendLoopAsync(CancellationToken ct)
    {
        var reader = _out.Reader;
        // The ops queued since the last write go out as one msgpack array; the list is encoded as it is and
        // reused. Raw messages go alone, in order: a batch interrupted by one is copied out first (rare).
        var batch = new List<object?>();
        var messages = new List<object?>();
        try
        {
            while (await reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                bool close = false;
                while (!close && reader.TryRead(out var item))
                {
                    switch (item.Kind)
                    {
                        case KindOp: batch.Add(item.Payload); break;
                        case KindRaw:
                            if (batch.Count > 0)
                            {
                                messages.Add(batch.ToArray());
                                batch.Clear();
                            }
                            messages.Add(item.Payload);
                            break;
                        default: close = true; break;
                    }
                }
                if (batch.Count > 0) messages.Add(batch);
                if (messages.Count > 0) await Comm.WriteMessagesAsync(messages, ct).ConfigureAwait(false);
                messages.Clear();
                batch.Clear();
                if (close)
                {
                    Abort();
                    return;
                }
            }
        }
        catch (OperationCanceledException) { }
        catch (Exception e) when (e is IOException or EndOfStreamException or InvalidOperationException or ObjectDisposedException)
        {
            _log.LogDebug(e, "send loop of connection {Id} ({Peer}) ended", Id, Comm.Peer);
            Abort();
        }
    }
}
