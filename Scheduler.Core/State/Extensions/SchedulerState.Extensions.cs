using Microsoft.Extensions.Logging;
using Scheduler.Core.Messages;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// Dask's scheduler extensions (coordination primitives, datasets, pub/sub): the dispatch from the RPC and
// stream op switches, and what the primitives share. Each primitive lives in its own partial file.
// A request that cannot be answered yet (a lock held by someone else, an empty queue, an unset event) is
// kept with its reply id and answered by a later stimulus or when its deadline passes; nothing blocks.
public sealed partial class SchedulerState
{
    /// <summary>Answers an extension RPC; false when <paramref name="r"/> is not one.</summary>
    private bool TryExtensionRpc(RpcRequest r)
    {
        try
        {
            switch (r.Message)
            {
                case LockAcquireRequest: LockAcquire(r); return true;
                case LockReleaseRequest q: Answer(r, LockRelease(q.Name, q.Id)); return true;
                case MultiLockAcquireRequest: MultiLockAcquire(r); return true;
                case MultiLockReleaseRequest q: Answer(r, MultiLockRelease(q.Id)); return true;
                case EventWaitRequest: EventWait(r); return true;
                case EventSetRequest q: EventSet(q.Name); Answer(r, null); return true;
                case EventClearRequest q: EventClear(q.Name); Answer(r, null); return true;
                case EventIsSetRequest q: Answer(r, EventIsSet(q.Name)); return true;
                case SemaphoreRegisterRequest q: Answer(r, SemaphoreRegister(q.Name, q.MaxLeases)); return true;
                case SemaphoreAcquireRequest: SemaphoreAcquire(r); return true;
                case SemaphoreReleaseRequest q: SemaphoreRelease(q.Name, q.LeaseId); Answer(r, null); return true;
                case SemaphoreRefreshLeasesRequest q: SemaphoreRefreshLeases(q.Name, q.LeaseIds); Answer(r, null); return true;
                case SemaphoreValueRequest q: Answer(r, SemaphoreValue(q.Name)); return true;
                case SemaphoreCloseRequest q: SemaphoreClose(q.Name); Answer(r, null); return true;
                case VariableSetRequest: VariableSetRpc(r); return true;
                case VariableGetRequest: VariableGet(r); return true;
                case VariableDeleteRequest q: VariableDelete(q.Name); Answer(r, null); return true;
                case QueueCreateRequest q: QueueCreate(q.Name, q.MaxSize); Answer(r, null); return true;
                case QueuePutRequest: QueuePut(r); return true;
                case QueueGetRequest: QueueGet(r); return true;
                case QueueQsizeRequest q: Answer(r, QueueQsize(q.Name)); return true;
                case QueueReleaseRequest q: QueueRelease(q.Name); Answer(r, null); return true;
                case PublishPutRequest q: Answer(r, PublishPut(q)); return true;
                case PublishGetRequest q: Answer(r, PublishGet(q.Name)); return true;
                case PublishWaitFlushRequest q: PublishWaitFlush(r, q.Uid); return true;
                case PublishListRequest: Answer(r, PublishList()); return true;
                case PublishDeleteRequest q: PublishDelete(q.Name); Answer(r, null); return true;
                case PubSubAddPublisherRequest q: Answer(r, PubSubAddPublisher(q.Name, q.Worker)); return true;
                default: return false;
            }
        }
        catch (Exception e) when (e is InvalidCastException or KeyNotFoundException or ArgumentException or FormatException or InvalidOperationException)
        {
            _log.LogWarning(e, "RPC {Op} failed", r.Op);
            Answer(r, new ErrorReply($"{e.GetType().Name}: {e.Message}"));
            return true;
        }
    }

    /// <summary>Handles an extension op on a client stream; false when it is not one.</summary>
    private bool TryExtensionClientOp(string client, ClientStreamOp c)
    {
        switch (c.Message)
        {
            case VariableFutureReleaseOp o: VariableFutureRelease(o.Name, o.Key, o.Token); return true;
            case VariableDeleteOp o: VariableDelete(o.Name); return true;
            case QueueFutureReleaseOp o: QueueFutureRelease(o.Name, o.Key); return true;
            case QueueReleaseOp o: QueueRelease(o.Name); return true;
            case PublishFlushOp o: PublishFlushReceived(o.Uid); return true;
            case ClientPubSubAddSubscriberOp o: PubSubAddClientSubscriber(o.Name, client); return true;
            case ClientPubSubRemoveSubscriberOp o: PubSubRemoveClientSubscriber(o.Name, client); return true;
            case ClientPubSubMsgOp o: PubSubMessage(o.Name, o.Msg, fromClient: true); return true;
            case ClientPubSubRemoveSubscribersOp:
                // Python's scheduler has no handler (the unknown op drops the client there). The client also sends
                // pubsub-remove-subscriber.
                return true;
            default: return false;
        }
    }

    /// <summary>Handles an extension op on a worker stream; false when it is not one.</summary>
    private bool TryExtensionWorkerOp(string worker, WorkerStreamOp w)
    {
        switch (w.Message)
        {
            case WorkerPubSubAddSubscriberOp o: PubSubAddWorkerSubscriber(o.Name, worker); return true;
            case WorkerPubSubRemoveSubscriberOp o: PubSubRemoveWorkerSubscriber(o.Name, worker); return true;
            case WorkerPubSubRemovePublisherOp o: PubSubRemovePublisher(o.Name, worker); return true;
            case WorkerPubSubMsgOp o: PubSubMessage(o.Name, o.Msg, fromClient: false); return true;
            default: return false;
        }
    }

    private void Answer(RpcRequest r, object? value) => Emit(new Reply(r.ReplyId, value));

    private void Answer(long replyId, object? value) => Emit(new Reply(replyId, value));

    /// <summary>A pseudo-client (variable-x, queue-x, published-x) now holds <paramref name="keys"/>.</summary>
    private void PseudoClientDesires(string client, IEnumerable<string> keys) => ClientDesiresKeys(client, keys);

    /// <summary>A pseudo-client lets go of <paramref name="keys"/>; unwanted tasks are released or forgotten.</summary>
    private void PseudoClientReleases(string client, IEnumerable<string> keys)
    {
        if (!Clients.TryGetValue(client, out var cs)) return;
        var sid = StimulusId("client-releases-keys", Now);
        var recs = new Recommendations();
        ClientReleasesKeys(cs, keys, recs);
        Transitions(recs, sid);
        QueueSlotsMaybeOpened(sid);
    }

    /// <summary>Dask's remove_client for a pseudo-client: releases everything it holds.</summary>
    private void RemovePseudoClient(string client)
    {
        if (client == FireAndForget || !Clients.TryGetValue(client, out var cs) || cs.Connected) return;
        RemoveClient(cs, StimulusId("remove-client", Now));
    }

    /// <summary>Python's stringify(name) in pseudo-client ids: strings as they are, other values as text.</summary>
    private static string NameText(object? name) => name switch
    {
        string s => s,
        null => "None",
        _ => MsgDebug.Format(name),
    };

    /// <summary>What a variable or a queue item holds: a future's key, or else the client's data (passed through).</summary>
    private sealed record StoredValue(string? Key, object? Data);

    /// <summary>A stored value as its getter receives it: data as it came, a Future with its key's state.</summary>
    private StoredValueReply RecordFor(StoredValue value, string? token = null) =>
        value.Key is { } key ? FutureRecord(key, token) : new StoredData(value.Data);

    /// <summary>
    /// A stored Future (variable, queue) as its getter receives it: the key's current state ("lost" when unknown)
    /// and, when erred, the exception and traceback of the task to blame (pass-through payloads).
    /// </summary>
    private StoredFuture FutureRecord(string key, string? token = null)
    {
        if (!Tasks.TryGetValue(key, out var ts)) return new StoredFuture(key, token, null, null, null);
        var blame = ts.Status == TaskStatus.Erred ? ts.ExceptionBlame ?? ts : null;
        return new StoredFuture(key, token, ts.Status, blame?.Exception, blame?.Traceback);
    }
}
