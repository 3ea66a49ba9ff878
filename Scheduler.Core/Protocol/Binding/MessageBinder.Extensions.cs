using Scheduler.Core.Messages;

namespace Scheduler.Core.Protocol.Binding;

// The extensions' ops (locks, multi-locks, events, semaphores, variables, queues, datasets, pub/sub). Names, ids,
// tokens and data are taken as they came (any msgpack value); both dialects send these ops alike.
public abstract partial class MessageBinder
{
    /// <summary>An extension RPC, or null when <paramref name="op"/> is not one.</summary>
    protected virtual RpcMessage? BindExtensionRpc(string op, MsgMap m) => op switch
    {
        "lock_acquire" => new LockAcquireRequest(m["name"], m["id"], Seconds(m, "timeout")),
        "lock_release" => new LockReleaseRequest(m["name"], m["id"]),
        "multi_lock_acquire" => new MultiLockAcquireRequest(
            m["id"], (m["locks"] as IList<object?>)?.ToArray() ?? [], OptLong(m, "num_locks"), Seconds(m, "timeout")),
        "multi_lock_release" => new MultiLockReleaseRequest(m["id"]),
        "event_wait" => new EventWaitRequest(m["name"], Seconds(m, "timeout")),
        "event_set" => new EventSetRequest(m["name"]),
        "event_clear" => new EventClearRequest(m["name"]),
        "event_is_set" => new EventIsSetRequest(m["name"]),
        "semaphore_register" => new SemaphoreRegisterRequest(m["name"], OptLong(m, "max_leases")
            ?? throw new MessageBindingException(op, $"'max_leases' must be an int, got {MsgDebug.Format(m["max_leases"])}")),
        "semaphore_acquire" => new SemaphoreAcquireRequest(m["name"], m["lease_id"], Seconds(m, "timeout")),
        "semaphore_release" => new SemaphoreReleaseRequest(m["name"], m["lease_id"]),
        "semaphore_refresh_leases" => new SemaphoreRefreshLeasesRequest(m["name"], MsgValues.SetItems(m["lease_ids"]).ToList()),
        "semaphore_value" => new SemaphoreValueRequest(m["name"]),
        "semaphore_close" => new SemaphoreCloseRequest(m["name"]),
        // A 2022.12 variable_set has no timeout, a 2024.12 one does: whether it is there decides the wait for the key.
        "variable_set" => new VariableSetRequest(m["name"], Key(m, "key"), m["data"], m.ContainsKey("timeout"), Seconds(m, "timeout")),
        "variable_get" => new VariableGetRequest(m["name"], Seconds(m, "timeout")),
        "variable_delete" => new VariableDeleteRequest(m["name"]),
        "queue_create" => new QueueCreateRequest(m["name"], OptLong(m, "maxsize")),
        "queue_put" => new QueuePutRequest(m["name"], Key(m, "key"), m["data"], m.ContainsKey("timeout"), Seconds(m, "timeout")),
        "queue_get" => BindQueueGet(m),
        "queue_qsize" => new QueueQsizeRequest(m["name"]),
        "queue_release" => new QueueReleaseRequest(m["name"]),
        "publish_put" => new PublishPutRequest(m["name"], Keys(m, "keys"), m["data"], Flag(m, "override")),
        "publish_get" => new PublishGetRequest(m["name"]),
        "publish_wait_flush" => new PublishWaitFlushRequest(OptString(m, "uid")),
        "publish_list" => new PublishListRequest(),
        "publish_delete" => new PublishDeleteRequest(m["name"]),
        "pubsub_add_publisher" => new PubSubAddPublisherRequest(m["name"], OptString(m, "worker")),
        _ => null,
    };

    /// <summary>queue_get's batch: true takes everything there is, false or none one item, a number that many
    /// (anything else one, as a batch).</summary>
    private static QueueGetRequest BindQueueGet(MsgMap m) => m["batch"] switch
    {
        true => new QueueGetRequest(m["name"], All: true, Count: null, Seconds(m, "timeout")),
        false or null => new QueueGetRequest(m["name"], All: false, Count: null, Seconds(m, "timeout")),
        var batch => new QueueGetRequest(m["name"], All: false, Count: MsgValues.AsLong(batch) ?? 1, Seconds(m, "timeout")),
    };

    /// <summary>An extension op on a client stream, or null.</summary>
    protected virtual ClientMessage? BindExtensionClientOp(string op, MsgMap m) => op switch
    {
        "variable-future-release" => new VariableFutureReleaseOp(m["name"], Key(m, "key"), m["token"]),
        "variable_delete" => new VariableDeleteOp(m["name"]),
        "queue-future-release" => new QueueFutureReleaseOp(m["name"], Key(m, "key")),
        "queue_release" => new QueueReleaseOp(m["name"]),
        "publish_flush_batched_send" => new PublishFlushOp(OptString(m, "uid")),
        "pubsub-add-subscriber" => new ClientPubSubAddSubscriberOp(m["name"]),
        "pubsub-remove-subscriber" => new ClientPubSubRemoveSubscriberOp(m["name"]),
        "pubsub-remove-subscribers" => new ClientPubSubRemoveSubscribersOp(),
        "pubsub-msg" => new ClientPubSubMsgOp(m["name"], m["msg"]),
        _ => null,
    };

    /// <summary>An extension op on a worker stream, or null.</summary>
    protected virtual WorkerMessage? BindExtensionWorkerOp(string op, MsgMap m) => op switch
    {
        "pubsub-add-subscriber" => new WorkerPubSubAddSubscriberOp(m["name"]),
        "pubsub-remove-subscriber" => new WorkerPubSubRemoveSubscriberOp(m["name"]),
        "pubsub-remove-publisher" => new WorkerPubSubRemovePublisherOp(m["name"]),
        "pubsub-msg" => new WorkerPubSubMsgOp(m["name"], m["msg"]),
        _ => null,
    };
}
