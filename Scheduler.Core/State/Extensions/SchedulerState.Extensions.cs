using Microsoft.Extensions.Logging;
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
        var m = r.Fields;
        try
        {
            switch (r.Op)
            {
                case "lock_acquire": LockAcquire(r); return true;
                case "lock_release": Answer(r, LockRelease(m["name"], m["id"])); return true;
                case "multi_lock_acquire": MultiLockAcquire(r); return true;
                case "multi_lock_release": Answer(r, MultiLockRelease(m["id"])); return true;
                case "event_wait": EventWait(r); return true;
                case "event_set": EventSet(m["name"]); Answer(r, null); return true;
                case "event_clear": EventClear(m["name"]); Answer(r, null); return true;
                case "event_is_set": Answer(r, EventIsSet(m["name"])); return true;
                case "semaphore_register": Answer(r, SemaphoreRegister(m["name"], m["max_leases"])); return true;
                case "semaphore_acquire": SemaphoreAcquire(r); return true;
                case "semaphore_release": SemaphoreRelease(m["name"], m["lease_id"]); Answer(r, null); return true;
                case "semaphore_refresh_leases": SemaphoreRefreshLeases(m["name"], m["lease_ids"]); Answer(r, null); return true;
                case "semaphore_value": Answer(r, SemaphoreValue(m["name"])); return true;
                case "semaphore_close": SemaphoreClose(m["name"]); Answer(r, null); return true;
                case "variable_set": VariableSetRpc(r); return true;
                case "variable_get": VariableGet(r); return true;
                case "variable_delete": VariableDelete(m["name"]); Answer(r, null); return true;
                case "queue_create": QueueCreate(m["name"], m["maxsize"]); Answer(r, null); return true;
                case "queue_put": QueuePut(r); return true;
                case "queue_get": QueueGet(r); return true;
                case "queue_qsize": Answer(r, QueueQsize(m["name"])); return true;
                case "queue_release": QueueRelease(m["name"]); Answer(r, null); return true;
                case "publish_put": Answer(r, PublishPut(m)); return true;
                case "publish_get": Answer(r, PublishGet(m["name"])); return true;
                case "publish_wait_flush": PublishWaitFlush(r, m["uid"]); return true;
                case "publish_list": Answer(r, PublishList()); return true;
                case "publish_delete": PublishDelete(m["name"]); Answer(r, null); return true;
                case "pubsub_add_publisher": Answer(r, PubSubAddPublisher(m["name"], m["worker"] as string)); return true;
                default: return false;
            }
        }
        catch (Exception e) when (e is InvalidCastException or KeyNotFoundException or ArgumentException or FormatException or InvalidOperationException)
        {
            _log.LogWarning(e, "RPC {Op} failed", r.Op);
            Answer(r, UncaughtError($"{e.GetType().Name}: {e.Message}"));
            return true;
        }
    }

    /// <summary>Handles an extension op on a client stream; false when it is not one.</summary>
    private bool TryExtensionClientOp(string client, ClientStreamOp c)
    {
        var m = c.Fields;
        switch (c.Op)
        {
            case "variable-future-release": VariableFutureRelease(m["name"], m["key"], m["token"]); return true;
            case "variable_delete": VariableDelete(m["name"]); return true;
            case "queue-future-release": QueueFutureRelease(m["name"], m["key"]); return true;
            case "queue_release": QueueRelease(m["name"]); return true;
            case "publish_flush_batched_send": PublishFlushReceived(m["uid"]); return true;
            case "pubsub-add-subscriber": PubSubAddClientSubscriber(m["name"], client); return true;
            case "pubsub-remove-subscriber": PubSubRemoveClientSubscriber(m["name"], client); return true;
            case "pubsub-msg": PubSubMessage(m["name"], m["msg"], fromClient: true); return true;
            case "pubsub-remove-subscribers":
                // Sent by a client whose subscribers were garbage collected; Python's scheduler has no handler
                // (the unknown op drops the client there). The client also sends pubsub-remove-subscriber.
                return true;
            default: return false;
        }
    }

    /// <summary>Handles an extension op on a worker stream; false when it is not one.</summary>
    private bool TryExtensionWorkerOp(string worker, WorkerStreamOp w)
    {
        var m = w.Fields;
        switch (w.Op)
        {
            case "pubsub-add-subscriber": PubSubAddWorkerSubscriber(m["name"], worker); return true;
            case "pubsub-remove-subscriber": PubSubRemoveWorkerSubscriber(m["name"], worker); return true;
            case "pubsub-remove-publisher": PubSubRemovePublisher(m["name"], worker); return true;
            case "pubsub-msg": PubSubMessage(m["name"], m["msg"], fromClient: false); return true;
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

    /// <summary>
    /// A stored Future (variable, queue) as its getter receives it: the key's current state ("lost" when unknown)
    /// and, when erred, the exception and traceback of the task to blame (pass-through payloads).
    /// </summary>
    private MsgMap FutureRecord(object? wireKey, string? token = null)
    {
        var record = new MsgMap().Add("type", "Future").Add("value", wireKey);
        if (token != null) record.Add("token", token);
        var key = TaskKeys.FromWire(wireKey);
        TaskState? ts = null;
        if (key != null) Tasks.TryGetValue(key, out ts);
        var state = ts?.Status.Wire() ?? "lost";
        record.Add("state", state);
        if (ts != null && ts.Status == TaskStatus.Erred)
        {
            var blame = ts.ExceptionBlame ?? ts;
            record.Add("exception", blame.Exception).Add("traceback", blame.Traceback);
        }
        return record;
    }
}
