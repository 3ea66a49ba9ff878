using Scheduler.Core.Messages;
using Scheduler.Core.Protocol;
using Scheduler.Core.Protocol.Binding;
using Scheduler.Core.Protocol.Dialects;

namespace Scheduler.Tests.Protocol.Binding;

/// <summary>The extensions' ops (Dask's DEFAULT_EXTENSIONS), as clients and workers of both versions send them.</summary>
public class ExtensionBindingTests
{
    public static TheoryData<string> Dialects => ["2022", "2024"];

    private static MessageBinder Binder(string dialect) => dialect == "2024" ? DaskDialect.Dask2024.Binder : DaskDialect.Dask2022.Binder;

    private static MsgMap Op(string op, params (string, object?)[] fields)
    {
        var m = new MsgMap().Add("op", op);
        foreach (var (k, v) in fields) m.Add(k, v);
        return m.Add("reply", true);
    }

    private static T Rpc<T>(string dialect, MsgMap m) where T : RpcMessage =>
        Assert.IsType<T>(Binder(dialect).BindRpc((string)m["op"]!, m));

    /// <summary>A 2024.12 tuple key ("x", 0) as it comes on the wire, and the scheduler's name for it.</summary>
    private static readonly object?[] TupleKey = ["x", 0L];
    private const string TupleKeyRepr = "('x', 0)";

    [Theory]
    [MemberData(nameof(Dialects))]
    public void Lock_and_multi_lock_requests_keep_names_and_ids_as_they_came(string dialect)
    {
        var acquire = Rpc<LockAcquireRequest>(dialect, Op("lock_acquire", ("name", "L"), ("id", "a1b2"), ("timeout", 0.5)));
        Assert.Equal(new LockAcquireRequest("L", "a1b2", 0.5), acquire);
        // A tuple name (a msgpack array) and no timeout: waits forever.
        var name = new object?[] { "L", 1L };
        var forever = Rpc<LockAcquireRequest>(dialect, Op("lock_acquire", ("name", name), ("id", null), ("timeout", null)));
        Assert.Same(name, forever.Name);
        Assert.Null(forever.Id);
        Assert.Null(forever.Timeout);
        Assert.Equal(new LockReleaseRequest("L", "a1b2"), Rpc<LockReleaseRequest>(dialect, Op("lock_release", ("name", "L"), ("id", "a1b2"))));

        var multi = Rpc<MultiLockAcquireRequest>(dialect,
            Op("multi_lock_acquire", ("locks", new object?[] { "x", "y" }), ("id", "m1"), ("timeout", "100ms"), ("num_locks", 1L)));
        Assert.Equal(["x", "y"], multi.Locks);
        Assert.Equal("m1", multi.Id);
        Assert.Equal(1L, multi.NumLocks);
        Assert.Equal(0.1, multi.Timeout!.Value, 9);
        var all = Rpc<MultiLockAcquireRequest>(dialect, Op("multi_lock_acquire", ("locks", "not a list"), ("id", "m2"), ("timeout", null), ("num_locks", null)));
        Assert.Empty(all.Locks);
        Assert.Null(all.NumLocks);
        Assert.Equal(new MultiLockReleaseRequest("m1"), Rpc<MultiLockReleaseRequest>(dialect, Op("multi_lock_release", ("id", "m1"))));
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public void Event_requests(string dialect)
    {
        Assert.Equal(new EventWaitRequest("E", 2.0), Rpc<EventWaitRequest>(dialect, Op("event_wait", ("name", "E"), ("timeout", 2L))));
        Assert.Equal(new EventWaitRequest("E", null), Rpc<EventWaitRequest>(dialect, Op("event_wait", ("name", "E"), ("timeout", null))));
        Assert.Equal(new EventSetRequest("E"), Rpc<EventSetRequest>(dialect, Op("event_set", ("name", "E"))));
        Assert.Equal(new EventClearRequest("E"), Rpc<EventClearRequest>(dialect, Op("event_clear", ("name", "E"))));
        Assert.Equal(new EventIsSetRequest(null), Rpc<EventIsSetRequest>(dialect, Op("event_is_set")));
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public void Semaphore_requests(string dialect)
    {
        Assert.Equal(new SemaphoreRegisterRequest("S", 2L),
            Rpc<SemaphoreRegisterRequest>(dialect, Op("semaphore_register", ("name", "S"), ("max_leases", 2UL))));
        Assert.Equal(new SemaphoreAcquireRequest("S", "lease-1", null),
            Rpc<SemaphoreAcquireRequest>(dialect, Op("semaphore_acquire", ("name", "S"), ("timeout", null), ("lease_id", "lease-1"))));
        Assert.Equal(new SemaphoreReleaseRequest("S", "lease-1"),
            Rpc<SemaphoreReleaseRequest>(dialect, Op("semaphore_release", ("name", "S"), ("lease_id", "lease-1"))));
        // Python sends the lease ids as a list; a set is read as its items.
        var refresh = Rpc<SemaphoreRefreshLeasesRequest>(dialect,
            Op("semaphore_refresh_leases", ("name", "S"), ("lease_ids", MsgValues.ToSet(["lease-1", "lease-2"]))));
        Assert.Equal(["lease-1", "lease-2"], refresh.LeaseIds);
        Assert.Equal(new SemaphoreValueRequest("S"), Rpc<SemaphoreValueRequest>(dialect, Op("semaphore_value", ("name", "S"))));
        Assert.Equal(new SemaphoreCloseRequest("S"), Rpc<SemaphoreCloseRequest>(dialect, Op("semaphore_close", ("name", "S"))));
    }

    [Fact]
    public void A_semaphore_without_an_integer_max_leases_cannot_be_read()
    {
        var m = Op("semaphore_register", ("name", "S"), ("max_leases", "two"));
        var e = Assert.Throws<MessageBindingException>(() => MessageBinder.Dask2022.BindRpc("semaphore_register", m));
        Assert.Equal("semaphore_register", e.Op);
        Assert.Contains("max_leases", e.Message);
        Assert.Throws<MessageBindingException>(() => MessageBinder.Dask2024.BindRpc("semaphore_register", Op("semaphore_register", ("name", "S"))));
    }

    [Fact]
    public void A_2022_variable_set_has_no_timeout_so_its_key_is_taken_as_it_is()
    {
        var set = Rpc<VariableSetRequest>("2022", Op("variable_set", ("key", "inc-123"), ("name", "v")));
        Assert.Equal(new VariableSetRequest("v", "inc-123", null, HasTimeout: false, Timeout: null), set);
        var data = Rpc<VariableSetRequest>("2022", Op("variable_set", ("data", 123L), ("name", "v")));
        Assert.Equal(new VariableSetRequest("v", null, 123L, HasTimeout: false, Timeout: null), data);
    }

    [Fact]
    public void A_2024_variable_set_sends_its_tuple_key_and_a_timeout()
    {
        var set = Rpc<VariableSetRequest>("2024", Op("variable_set", ("key", TupleKey), ("name", "v"), ("timeout", null)));
        Assert.Equal(new VariableSetRequest("v", TupleKeyRepr, null, HasTimeout: true, Timeout: null), set);
        var bounded = Rpc<VariableSetRequest>("2024", Op("variable_set", ("key", "k"), ("name", "v"), ("timeout", 3.0)));
        Assert.True(bounded.HasTimeout);
        Assert.Equal(3.0, bounded.Timeout);
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public void Variable_get_and_delete(string dialect)
    {
        Assert.Equal(new VariableGetRequest("v", 0.1),
            Rpc<VariableGetRequest>(dialect, Op("variable_get", ("timeout", 0.1), ("name", "v"), ("client", "Client-1"))));
        Assert.Equal(new VariableDeleteRequest("v"), Rpc<VariableDeleteRequest>(dialect, Op("variable_delete", ("name", "v"))));
        var onStream = Assert.Single(Binder(dialect).BindClientOp("C", "variable_delete", Op("variable_delete", ("name", "v"))));
        Assert.Equal(new VariableDeleteOp("v"), onStream.Message);
    }

    [Fact]
    public void A_2022_getter_returns_its_token_with_variable_future_release()
    {
        var m = Op("variable-future-release", ("name", "v"), ("key", "inc-123"), ("token", "0001"));
        var op = Assert.Single(MessageBinder.Dask2022.BindClientOp("C", "variable-future-release", m));
        Assert.Equal(new VariableFutureReleaseOp("v", "inc-123", "0001"), op.Message);
    }

    [Fact]
    public void A_2024_getter_confirms_with_its_tuple_key_and_token()
    {
        var m = Op("variable-future-received-confirm", ("name", "v"), ("key", TupleKey), ("token", "0001"));
        var ops = DaskDialect.Dask2024.Binder.BindClientOp("C", "variable-future-received-confirm", m).ToList();
        Assert.Equal(["client-desires-keys", "variable-future-release"], ops.Select(o => o.Op));
        Assert.Equal(new VariableFutureReleaseOp("v", TupleKeyRepr, "0001"), ops[1].Message);
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public void Queue_create_put_and_release(string dialect)
    {
        Assert.Equal(new QueueCreateRequest("q", 1L), Rpc<QueueCreateRequest>(dialect, Op("queue_create", ("name", "q"), ("maxsize", 1L), ("client", "C"))));
        Assert.Equal(new QueueCreateRequest("q", null), Rpc<QueueCreateRequest>(dialect, Op("queue_create", ("name", "q"), ("maxsize", null))));
        // Both versions' queue_put carry a timeout (for a full queue).
        var data = Rpc<QueuePutRequest>(dialect, Op("queue_put", ("name", "q"), ("key", null), ("data", 1L), ("timeout", null), ("client", "C")));
        Assert.Equal(new QueuePutRequest("q", null, 1L, HasTimeout: true, Timeout: null), data);
        var future = Rpc<QueuePutRequest>(dialect, Op("queue_put", ("name", "q"), ("key", "inc-1"), ("data", null), ("timeout", 1.5), ("client", "C")));
        Assert.Equal(new QueuePutRequest("q", "inc-1", null, HasTimeout: true, Timeout: 1.5), future);
        Assert.Equal(new QueueQsizeRequest("q"), Rpc<QueueQsizeRequest>(dialect, Op("queue_qsize", ("name", "q"))));
        Assert.Equal(new QueueReleaseRequest("q"), Rpc<QueueReleaseRequest>(dialect, Op("queue_release", ("name", "q"))));
        var onStream = Assert.Single(Binder(dialect).BindClientOp("C", "queue_release", Op("queue_release", ("name", "q"))));
        Assert.Equal(new QueueReleaseOp("q"), onStream.Message);
    }

    [Fact]
    public void A_2024_queue_put_and_release_carry_tuple_keys()
    {
        var put = Rpc<QueuePutRequest>("2024", Op("queue_put", ("name", "q"), ("key", TupleKey), ("timeout", null)));
        Assert.Equal(TupleKeyRepr, put.Key);
        var ops = DaskDialect.Dask2024.Binder.BindClientOp("C", "queue-future-release", Op("queue-future-release", ("name", "q"), ("key", TupleKey))).ToList();
        Assert.Equal(new QueueFutureReleaseOp("q", TupleKeyRepr), ops[1].Message);
    }

    [Theory]
    [InlineData(true, true, null)]
    [InlineData(false, false, null)]
    [InlineData(null, false, null)]
    [InlineData(3L, false, 3L)]
    [InlineData("many", false, 1L)] // not a number: a batch of one, as the state always read it
    public void Queue_get_batch_is_one_item_a_count_or_everything(object? batch, bool all, long? count)
    {
        var get = Rpc<QueueGetRequest>("2022", Op("queue_get", ("name", "q"), ("timeout", null), ("batch", batch)));
        Assert.Equal(new QueueGetRequest("q", all, count, null), get);
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public void Publish_requests(string dialect)
    {
        var data = new byte[] { 1, 2, 3 };
        var put = Rpc<PublishPutRequest>(dialect,
            Op("publish_put", ("keys", new object?[] { "x", TupleKey, 5L, true }), ("name", "ds"), ("data", data), ("override", false), ("client", "C")));
        Assert.Equal(["x", TupleKeyRepr, Scheduler.Core.State.TaskKeys.IntKey(5)], put.Keys); // an int is a key (2024.12), a bool is not: skipped
        Assert.Same(data, put.Data);
        Assert.Equal("ds", put.Name);
        Assert.False(put.Override);
        Assert.True(Rpc<PublishPutRequest>(dialect, Op("publish_put", ("keys", null), ("name", "ds"), ("override", true))).Override);
        Assert.Equal(new PublishGetRequest("ds"), Rpc<PublishGetRequest>(dialect, Op("publish_get", ("name", "ds"), ("client", "C"))));
        Assert.IsType<PublishListRequest>(Binder(dialect).BindRpc("publish_list", Op("publish_list")));
        Assert.Equal(new PublishDeleteRequest("ds"), Rpc<PublishDeleteRequest>(dialect, Op("publish_delete", ("name", "ds"))));
    }

    [Fact]
    public void A_2024_publish_waits_for_its_stream_marker()
    {
        Assert.Equal(new PublishWaitFlushRequest("u-1"), Rpc<PublishWaitFlushRequest>("2024", Op("publish_wait_flush", ("uid", "u-1"))));
        Assert.Equal(new PublishWaitFlushRequest(null), Rpc<PublishWaitFlushRequest>("2024", Op("publish_wait_flush", ("uid", 7L))));
        var marker = Assert.Single(DaskDialect.Dask2024.Binder.BindClientOp("C", "publish_flush_batched_send",
            new MsgMap().Add("op", "publish_flush_batched_send").Add("uid", "u-1")));
        Assert.Equal(new PublishFlushOp("u-1"), marker.Message);
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public void Pubsub_ops_of_clients_and_workers(string dialect)
    {
        var b = Binder(dialect);
        Assert.Equal(new PubSubAddPublisherRequest("t", "tcp://127.0.0.1:1001"),
            Rpc<PubSubAddPublisherRequest>(dialect, Op("pubsub_add_publisher", ("name", "t"), ("worker", "tcp://127.0.0.1:1001"))));
        var payload = new byte[] { 7 };
        ClientMessage Client(string op, MsgMap m) => Assert.Single(b.BindClientOp("C", op, m)).Message;
        Assert.Equal(new ClientPubSubAddSubscriberOp("t"), Client("pubsub-add-subscriber", Op("pubsub-add-subscriber", ("name", "t"))));
        Assert.Equal(new ClientPubSubRemoveSubscriberOp("t"), Client("pubsub-remove-subscriber", Op("pubsub-remove-subscriber", ("name", "t"))));
        Assert.IsType<ClientPubSubRemoveSubscribersOp>(Client("pubsub-remove-subscribers", Op("pubsub-remove-subscribers", ("names", new object?[] { "t" }))));
        var fromClient = Assert.IsType<ClientPubSubMsgOp>(Client("pubsub-msg", Op("pubsub-msg", ("name", "t"), ("msg", payload))));
        Assert.Same(payload, fromClient.Msg);
        Assert.Equal(new WorkerPubSubAddSubscriberOp("t"), b.BindWorkerOp("pubsub-add-subscriber", Op("pubsub-add-subscriber", ("name", "t"))));
        Assert.Equal(new WorkerPubSubRemoveSubscriberOp("t"), b.BindWorkerOp("pubsub-remove-subscriber", Op("pubsub-remove-subscriber", ("name", "t"))));
        Assert.Equal(new WorkerPubSubRemovePublisherOp("t"), b.BindWorkerOp("pubsub-remove-publisher", Op("pubsub-remove-publisher", ("name", "t"))));
        var fromWorker = Assert.IsType<WorkerPubSubMsgOp>(b.BindWorkerOp("pubsub-msg", Op("pubsub-msg", ("name", "t"), ("msg", payload))));
        Assert.Same(payload, fromWorker.Msg);
    }

    [Fact]
    public void The_rpc_names_of_stream_ops_are_not_read_as_rpcs_nor_the_other_way_round()
    {
        // variable-future-release is a stream op only, pubsub_add_publisher an RPC only.
        Assert.IsType<UntypedRpc>(MessageBinder.Dask2022.BindRpc("variable-future-release", Op("variable-future-release", ("name", "v"))));
        Assert.IsType<UntypedClientOp>(MessageBinder.Dask2022.BindClientMessage("pubsub_add_publisher", Op("pubsub_add_publisher", ("name", "t"))));
        Assert.IsType<UntypedWorkerOp>(MessageBinder.Dask2022.BindWorkerOp("queue_release", Op("queue_release", ("name", "q"))));
    }
}
