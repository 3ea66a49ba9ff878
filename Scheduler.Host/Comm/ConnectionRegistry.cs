using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Scheduler.Core.Engine;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;
using Scheduler.Core.Protocol.Writing;
using Scheduler.Core.State;
using Scheduler.Host.Transfers;

namespace Scheduler.Host.Comm;

/// <summary>
/// Routes the actor's commands to connections: worker and client streams by address/id, RPC replies
/// by id, transfers to <see cref="DataTransfers"/>. Called on the actor thread: it only enqueues, and at the end of
/// the actor's turn it writes the streams' batches without waiting for them to be sent.
/// </summary>
public sealed class ConnectionRegistry(DataTransfers transfers, ILogger<ConnectionRegistry> log) : ICommandSink
{
    private readonly ConcurrentDictionary<long, DaskConnection> _byId = new();
    private readonly ConcurrentDictionary<string, DaskConnection> _workers = new();
    private readonly ConcurrentDictionary<string, DaskConnection> _clients = new();
    private readonly ConcurrentDictionary<long, PendingReply> _replies = new();
    private long _nextConnId;
    private long _nextReplyId;

    public long NextConnectionId() => Interlocked.Increment(ref _nextConnId);

    public void Add(DaskConnection c) => _byId[c.Id] = c;

    public void Remove(DaskConnection c) => _byId.TryRemove(c.Id, out _);

    /// <summary>Closes every connection (host shutdown): Kestrel would otherwise wait for peers that never hang up.</summary>
    public void AbortAll()
    {
        foreach (var c in _byId.Values) c.Abort();
    }

    /// <summary>Whether this connection is still the live stream of the worker/client it is bound to.</summary>
    public bool IsCurrent(DaskConnection c) => c.Role switch
    {
        ConnectionRole.Worker => c.BoundTo != null && _workers.TryGetValue(c.BoundTo, out var w) && w == c,
        ConnectionRole.Client => c.BoundTo != null && _clients.TryGetValue(c.BoundTo, out var k) && k == c,
        _ => false,
    };

    public void Unbind(DaskConnection c)
    {
        if (c.BoundTo == null) return;
        if (c.Role == ConnectionRole.Worker) _workers.TryRemove(new KeyValuePair<string, DaskConnection>(c.BoundTo, c));
        if (c.Role == ConnectionRole.Client) _clients.TryRemove(new KeyValuePair<string, DaskConnection>(c.BoundTo, c));
    }

    /// <summary>An RPC's answer to come: a typed reply is written with <paramref name="writer"/>, the asking
    /// connection's.</summary>
    public (long Id, Task<object?> Reply) NewReply(MessageWriter writer) => NewReply(writer, null);

    /// <summary>
    /// An RPC's answer to come, which the actor writes to <paramref name="comm"/> itself when it carries out the reply
    /// and the reply is small: it then leaves without waiting for the asking connection's thread to wake. The task's
    /// result is then a <see cref="SentReply"/>; otherwise it is the reply, for the asking connection to write.
    /// </summary>
    public (long Id, Task<object?> Reply) NewReply(DaskComm comm) => NewReply(comm.Dialect.Writer, comm);

    private (long Id, Task<object?> Reply) NewReply(MessageWriter writer, DaskComm? comm)
    {
        long id = Interlocked.Increment(ref _nextReplyId);
        var tcs = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _replies[id] = new PendingReply(tcs, writer, comm);
        return (id, tcs.Task);
    }

    private sealed record PendingReply(TaskCompletionSource<object?> Answer, MessageWriter Writer, DaskComm? WriteTo);

    /// <summary>A reply the actor wrote itself; <see cref="Flush"/> completes when the transport has taken it.</summary>
    public sealed record SentReply(ValueTask<System.IO.Pipelines.FlushResult> Flush);

    // A reply bigger than this (a gather of real data) is copied into the transport by the asking connection's thread.
    private const int DirectReplyMaxBytes = 64 << 10;

    private object? SendOrHandOver(PendingReply pending, object? reply)
    {
        if (pending.WriteTo is not { } comm) return reply;
        try
        {
            return comm.TryWriteSmall(reply, DirectReplyMaxBytes, out var flush) ? new SentReply(flush) : reply;
        }
        catch (Exception e)
        {
            // Not this thread's to report: the asking connection writes it again and meets the error on its own.
            log.LogDebug(e, "writing a reply to {Peer} from the actor failed", comm.Peer);
            return reply;
        }
    }

    public int WorkerStreams => _workers.Count;
    public int ClientStreams => _clients.Count;

    // Streams with ops queued in this turn, in the order they were first queued to (the actor's thread only).
    private readonly List<DaskConnection> _toFlush = [];

    private void Queued(DaskConnection c, bool first)
    {
        if (first) _toFlush.Add(c);
    }

    /// <summary>The actor's turn ended: every stream written to in it is written out, one batch each, on this thread.</summary>
    public void EndOfTurn()
    {
        foreach (var c in _toFlush) c.Flush();
        _toFlush.Clear();
    }

    public void Execute(IReadOnlyList<Command> commands)
    {
        foreach (var cmd in commands)
        {
            switch (cmd)
            {
                // Each op is written in the peer's dialect here, on the actor's thread, as the turn that made it ends.
                case ToWorker w:
                    if (_workers.TryGetValue(w.Worker, out var wc) && wc.Comm.Dialect.Writer.Write(w.Message) is { } workerOp)
                        Queued(wc, wc.EnqueueOp(workerOp));
                    break;
                case ToClient c:
                    if (_clients.TryGetValue(c.Client, out var cc)) Queued(cc, cc.EnqueueOp(cc.Comm.Dialect.Writer.Write(c.Message)));
                    break;
                case Reply r:
                    // Written here too, as the turn ends: a reply may hold lists the state goes on changing.
                    if (_replies.TryRemove(r.ReplyId, out var pending))
                        pending.Answer.TrySetResult(SendOrHandOver(pending, r.WrittenBy(pending.Writer)));
                    break;
                case WorkerRegistration reg:
                    if (!_byId.TryGetValue(reg.ConnId, out var rc)) break;
                    var registrationReply = rc.Comm.Dialect.Writer.Write(reg.Reply);
                    if (reg.Accepted)
                    {
                        rc.Role = ConnectionRole.Worker;
                        rc.BoundTo = reg.Address;
                        _workers[reg.Address] = rc;
                        Queued(rc, rc.EnqueueRaw(registrationReply));
                    }
                    else
                    {
                        log.LogWarning("refused worker registration from {Peer}: {Reply}", rc.Comm.Peer, registrationReply);
                        Queued(rc, rc.EnqueueRaw(registrationReply));
                        Queued(rc, rc.EnqueueClose());
                    }
                    break;
                case ClientStreamStart start:
                    if (!_byId.TryGetValue(start.ConnId, out var sc)) break;
                    sc.Role = ConnectionRole.Client;
                    sc.BoundTo = start.ClientId;
                    _clients[start.ClientId] = sc;
                    // The client asserts the first batch holds exactly this one op.
                    Queued(sc, sc.EnqueueRaw(new object?[] { sc.Comm.Dialect.Writer.Write(StreamStart.Instance) }));
                    break;
                case CloseWorkerStream close:
                    if (_workers.TryRemove(close.Worker, out var closing)) Queued(closing, closing.EnqueueClose());
                    break;
                case CloseClientStream closeClient:
                    if (_clients.TryRemove(closeClient.Client, out var closingClient)) Queued(closingClient, closingClient.EnqueueClose());
                    break;
                case DropWorkerComms drop:
                    transfers.WorkerLeft(drop.Worker);
                    break;
                case FetchData fetch:
                    transfers.Fetch(fetch);
                    break;
                case PushData push:
                    transfers.Push(push);
                    break;
                case BroadcastRpc b:
                    transfers.Broadcast(b);
                    break;
                case ReplicateRound rr:
                    transfers.Replicate(rr);
                    break;
            }
        }
    }
}
