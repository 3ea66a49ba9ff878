using System.Text;
using Scheduler.Core.Messages;
using Scheduler.Core.Protocol;
using Scheduler.Core.Protocol.Binding;
using Scheduler.Tests.State;

namespace Scheduler.Tests.Protocol.Binding;

/// <summary>The scheduler's own RPCs, as 2022.12 and 2024.12 peers send them, become the records the state reads.</summary>
public class ClusterBindingTests
{
    public static TheoryData<string> Dialects => new() { "2022", "2024" };

    private static MessageBinder Binder(string dialect) => dialect == "2024" ? MessageBinder.Dask2024 : MessageBinder.Dask2022;

    private static RpcMessage Bind(string dialect, string op, MsgMap m) => Binder(dialect).BindRpc(op, m.Add("op", op).Add("reply", true));

    private static T Bind<T>(string dialect, string op, MsgMap m) where T : RpcMessage => Assert.IsType<T>(Bind(dialect, op, m));

    private const string Worker = "tcp://127.0.0.1:18721";

    [Theory]
    [MemberData(nameof(Dialects))]
    public void Absent_key_and_worker_lists_stay_absent_meaning_all(string dialect)
    {
        // As g_scatter_gather's client sends them.
        Assert.Null(Bind<WhoHasRequest>(dialect, "who_has", new MsgMap().Add("keys", null)).Keys);
        Assert.Null(Bind<HasWhatRequest>(dialect, "has_what", new MsgMap().Add("workers", null)).Workers);
        var ncores = Bind<NCoresRequest>(dialect, "ncores", new MsgMap().Add("workers", null));
        Assert.Null(ncores.Workers);
        Assert.False(ncores.RunningOnly);
        Assert.True(Bind<NCoresRequest>(dialect, "ncores_running", new MsgMap()).RunningOnly);
        var nbytes = Bind<NbytesRequest>(dialect, "nbytes", new MsgMap().Add("keys", null).Add("summary", false));
        Assert.Null(nbytes.Keys);
        Assert.False(nbytes.Summary);
        Assert.True(Bind<NbytesRequest>(dialect, "nbytes", new MsgMap()).Summary);
        Assert.Equal(new TaskStreamRequest(null, null, null),
            Bind(dialect, "get_task_stream", new MsgMap().Add("start", null).Add("stop", null).Add("count", null)));
    }

    [Fact]
    public void Keys_come_as_a_list_a_set_or_a_2024_tuple_and_tuple_keys_become_their_repr()
    {
        var set = MsgValues.ToSet(["a", "b"]);
        Assert.Equal(["a", "b"], Bind<WhoHasRequest>("2022", "who_has", new MsgMap().Add("keys", set)).Keys!);
        // 2024.12's gather sends its keys as a tuple (an array), and tuple keys as tuples.
        var keys = new object?[] { "add-1-2", new object?[] { "x", 0L } };
        Assert.Equal(["add-1-2", "('x', 0)"], Bind<GatherRequest>("2024", "gather", new MsgMap().Add("keys", keys)).Keys);
        Assert.Equal(["b"], Bind<TaskStatusRequest>("2022", "get_task_status", new MsgMap().Add("keys", new object?[] { null, "b" })).Keys);
    }

    [Theory]
    [InlineData(false, false, 0L)]
    [InlineData(true, true, 0L)]
    [InlineData(3L, false, 3L)]
    public void Scatter_reads_broadcast_as_every_worker_or_a_number_of_copies(object broadcast, bool toAll, long copies)
    {
        var data = new MsgMap().Add("int-c0a8a20f903a4915b94db8de3ea63195", new byte[] { 1 });
        var q = Bind<ScatterRequest>("2022", "scatter", new MsgMap().Add("data", data).Add("workers", null)
            .Add("client", "Client-1").Add("broadcast", broadcast).Add("timeout", 30L));
        Assert.Same(data, q.Data);
        Assert.Null(q.Workers);
        Assert.Equal("Client-1", q.Client);
        Assert.Equal(toAll, q.BroadcastToAll);
        Assert.Equal(copies, q.Copies);
        Assert.Equal(30, q.Timeout);
    }

    [Fact]
    public void Data_operations_keep_their_captured_arguments()
    {
        var cancel = Bind<CancelRequest>("2022", "cancel", new MsgMap().Add("keys", new object?[] { "to-cancel" })
            .Add("client", "Client-6688b758").Add("force", false));
        Assert.Equal("Client-6688b758", cancel.Client);
        Assert.Equal(["to-cancel"], cancel.Keys);
        Assert.False(cancel.Force);

        var replicate = Bind<ReplicateRequest>("2022", "replicate", new MsgMap().Add("keys", new object?[] { "restricted" })
            .Add("n", null).Add("workers", null).Add("branching_factor", 2L));
        Assert.Equal(["restricted"], replicate.Keys);
        Assert.Null(replicate.N);
        Assert.Equal(2, replicate.BranchingFactor);
        Assert.True(replicate.Delete);
        Assert.False(Bind<ReplicateRequest>("2022", "replicate", new MsgMap().Add("keys", "k").Add("delete", false)).Delete);

        var rebalance = Bind<RebalanceRequest>("2022", "rebalance", new MsgMap().Add("keys", null).Add("workers", new object?[] { Worker, null }));
        Assert.Null(rebalance.Keys);
        Assert.Equal([Worker, null], rebalance.Workers!);

        var restrictions = Bind<SetRestrictionsRequest>("2024", "set_restrictions",
            new MsgMap().Add("worker", new MsgMap().Add("x", new object?[] { Worker }).Add(new object?[] { "y", 1L }, "host-a")));
        Assert.Equal(2, restrictions.ByKey.Count);
        Assert.Equal("x", restrictions.ByKey[0].Key);
        Assert.Equal(new object?[] { Worker }, (object?[])restrictions.ByKey[0].Workers!);
        Assert.Equal(("('y', 1)", (object?)"host-a"), restrictions.ByKey[1]);

        Assert.Equal(["my-topic"], Bind<LogEventRequest>("2022", "log_event", new MsgMap().Add("topic", "my-topic")
            .Add("msg", new MsgMap().Add("hello", "world"))).Topics);
        Assert.Equal(["a", "b"], Bind<LogEventRequest>("2022", "log_event", new MsgMap().Add("topic", MsgValues.ToSet(["a", 1L, "b"]))).Topics);
        Assert.Equal(["a", "b"], Bind<SetMetadataRequest>("2022", "set_metadata", new MsgMap().Add("keys", new object?[] { "a", "b" }).Add("value", 1L)).Path);
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public void Get_metadata_tells_a_real_default_from_either_versions_no_default_marker(string dialect)
    {
        var path = new object?[] { "a" };
        Assert.False(Bind<GetMetadataRequest>(dialect, "get_metadata", new MsgMap().Add("keys", path).Add("default", "__no_default__")).HasDefault);
        var noDefault2024 = new MsgMap().Add("__Enum__", true).Add("__module__", "dask.typing").Add("__name__", "_NoDefault").Add("name", "no_default");
        Assert.False(Bind<GetMetadataRequest>(dialect, "get_metadata", new MsgMap().Add("keys", path).Add("default", noDefault2024)).HasDefault);
        Assert.False(Bind<GetMetadataRequest>(dialect, "get_metadata", new MsgMap().Add("keys", path)).HasDefault);
        var given = Bind<GetMetadataRequest>(dialect, "get_metadata", new MsgMap().Add("keys", path).Add("default", null));
        Assert.True(given.HasDefault);
        Assert.Null(given.Default);
        Assert.Equal(["a"], given.Path);
    }

    [Fact]
    public void Get_story_reads_2024s_keys_or_stimuli_and_2022s_keys()
    {
        Assert.Equal(["x"], Bind<StoryRequest>("2024", "get_story", new MsgMap().Add("keys_or_stimuli", new object?[] { "x" })).Keys);
        Assert.Equal(["y"], Bind<StoryRequest>("2022", "get_story", new MsgMap().Add("keys", new object?[] { "y" })).Keys);
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public void A_heartbeats_memory_metrics_are_read_at_the_edge_and_a_missing_one_is_zero(string dialect)
    {
        // memory and spilled_bytes among the rest of the metrics (a whole float reads as its integer, as before).
        var metrics = new MsgMap().Add("cpu", 5.0).Add("memory", 1000L).Add("spilled_bytes", new MsgMap().Add("memory", 300L).Add("disk", 120.0));
        var heartbeat = Bind<HeartbeatWorkerRequest>(dialect, "heartbeat_worker", new MsgMap().Add("address", Worker).Add("metrics", metrics));
        Assert.Equal(new MemoryReading(1000, 300, 120), heartbeat.Memory);
        Assert.Same(metrics, heartbeat.Metrics);
        var bare = Bind<HeartbeatWorkerRequest>(dialect, "heartbeat_worker", new MsgMap().Add("address", Worker).Add("metrics", new MsgMap()));
        Assert.Equal(new MemoryReading(0, 0, 0), bare.Memory);
        Assert.Null(Bind<HeartbeatWorkerRequest>(dialect, "heartbeat_worker", new MsgMap().Add("address", Worker)).Memory);
        Assert.Equal(new MemoryReading(7, 0, 0), Binder(dialect).BindRegisterWorker(new MsgMap().Add("address", Worker)
            .Add("metrics", new MsgMap().Add("memory", 7L))).Memory);
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public void Worker_lifecycle_operations(string dialect)
    {
        var restart = Bind<RestartRequest>(dialect, "restart", new MsgMap().Add("timeout", 120L).Add("wait_for_workers", true));
        Assert.Equal(new RestartRequest(120, true, null), restart);
        Assert.Equal(5, Bind<RestartRequest>(dialect, "restart", new MsgMap().Add("timeout", "5s")).Timeout);

        var restartWorkers = Bind<RestartWorkersRequest>(dialect, "restart_workers", new MsgMap().Add("workers", new object?[] { Worker })
            .Add("timeout", 30L).Add("wait_for_workers", false).Add("on_error", "return").Add("stimulus_id", "s-1"));
        Assert.False(restartWorkers.Raise);
        Assert.False(restartWorkers.WaitForWorkers);
        Assert.Equal("s-1", restartWorkers.StimulusId);
        Assert.True(Bind<RestartWorkersRequest>(dialect, "restart_workers", new MsgMap().Add("on_error", "raise")).Raise);

        var retire = Bind<RetireWorkersRequest>(dialect, "retire_workers", new MsgMap().Add("names", new object?[] { "w1", 2L })
            .Add("close_workers", true).Add("n", 1L));
        Assert.Equal(["w1", 2L], retire.Names!);
        Assert.Null(retire.Workers);
        Assert.True(retire.CloseWorkers);
        Assert.True(retire.Remove);
        Assert.Equal(new CloseCriteria(null, 1, null, null), retire.Criteria);

        Assert.True(Bind<WorkersToCloseRequest>(dialect, "workers_to_close", new MsgMap().Add("attribute", "name")).ByName);
        Assert.Equal(new UnregisterWorkerRequest(Worker, "nanny-close-1795723819.8510346"),
            Bind(dialect, "unregister", new MsgMap().Add("address", Worker).Add("stimulus_id", "nanny-close-1795723819.8510346")));
        var metrics = new MsgMap().Add("managed_bytes", 0L);
        var heartbeat = Bind<HeartbeatWorkerRequest>(dialect, "heartbeat_worker", new MsgMap().Add("address", Worker).Add("now", 1.0)
            .Add("metrics", metrics).Add("executing", new MsgMap()).Add("extensions", new MsgMap()));
        Assert.Equal(new HeartbeatWorkerRequest(Worker, metrics, null) { Memory = new MemoryReading(0, 0, 0) }, heartbeat);
        Assert.IsType<RegisterNannyRequest>(Bind(dialect, "register_nanny", new MsgMap()));
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public void Broadcast_and_proxy_carry_the_message_for_the_workers_untouched(string dialect)
    {
        // As l_misc_rpc_nanny's client.run sends it.
        var run = new MsgMap().Add("op", "run").Add("function", new byte[] { 0x80 }).Add("wait", true);
        var b = Bind<BroadcastRequest>(dialect, "broadcast", new MsgMap().Add("msg", run).Add("workers", null).Add("nanny", false)
            .Add("on_error", "return_pickle"));
        Assert.Equal(new BroadcastRequest(run, null, null, false, "return_pickle"), b);
        var hosts = Bind<BroadcastRequest>(dialect, "broadcast", new MsgMap().Add("msg", run).Add("hosts", new object?[] { "127.0.0.1", 1L }));
        Assert.Equal(["127.0.0.1"], hosts.Hosts!);
        Assert.Equal("raise", hosts.OnError);

        var proxy = Bind<ProxyRequest>(dialect, "proxy", new MsgMap().Add("msg", run).Add("worker", Worker));
        Assert.Equal(Worker, proxy.Worker);
        Assert.Same(run, proxy.Broadcast.Msg);

        var logs = Bind<WorkerLogsRequest>(dialect, "worker_logs", new MsgMap().Add("n", 10L).Add("workers", null).Add("nanny", true));
        Assert.Equal(new WorkerLogsRequest(10, null, true), logs);
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public void A_broadcast_without_a_message_for_the_workers_cannot_be_read(string dialect)
    {
        var e = Assert.Throws<MessageBindingException>(() => Bind(dialect, "broadcast", new MsgMap().Add("msg", "run").Add("workers", null)));
        Assert.Equal("broadcast", e.Op);
        Assert.Contains("'msg'", e.Message);
        Assert.Throws<MessageBindingException>(() => Bind(dialect, "proxy", new MsgMap().Add("worker", Worker)));
    }

    [Fact]
    public void Plugin_registrations_read_2024s_idempotent()
    {
        var plugin = new byte[] { 0x80, 0x04 };
        var r2022 = Bind<RegisterPluginRequest>("2022", "register_worker_plugin", new MsgMap().Add("plugin", plugin).Add("name", "my-plugin"));
        Assert.Equal(new RegisterPluginRequest("my-plugin", plugin, Idempotent: false, Nanny: false), r2022);
        var r2024 = Bind<RegisterPluginRequest>("2024", "register_nanny_plugin", new MsgMap().Add("plugin", plugin).Add("name", "p")
            .Add("idempotent", true));
        Assert.Equal(new RegisterPluginRequest("p", plugin, Idempotent: true, Nanny: true), r2024);
        Assert.Equal(new UnregisterPluginRequest("my-plugin", Nanny: false),
            Bind("2022", "unregister_worker_plugin", new MsgMap().Add("name", "my-plugin")));
        Assert.Equal(new UnregisterSchedulerPluginRequest("x"), Bind("2024", "unregister_scheduler_plugin", new MsgMap().Add("name", "x")));
    }

    [Fact]
    public void Only_the_upload_file_scheduler_plugin_is_typed_any_other_stays_untyped_and_is_refused()
    {
        var upload = InstancePickle("distributed.diagnostics.plugin", "SchedulerUploadFile");
        Assert.Equal(new RegisterUploadFilePluginRequest("upload-file"),
            Bind("2024", "register_scheduler_plugin", new MsgMap().Add("plugin", upload).Add("name", "upload-file").Add("idempotent", false)));
        var other = InstancePickle("my.module", "MyPlugin");
        Assert.IsType<UntypedRpc>(Bind("2024", "register_scheduler_plugin", new MsgMap().Add("plugin", other).Add("name", "mine")));
        Assert.IsType<UntypedRpc>(Bind("2022", "run_function", new MsgMap().Add("function", new byte[] { 0x80, 0x04, 0x4e, 0x2e })));
    }

    /// <summary>pickle.dumps(module.name(), protocol=5): STACK_GLOBAL, NEWOBJ with no arguments, BUILD with an empty dict.</summary>
    private static byte[] InstancePickle(string module, string name)
    {
        var bytes = new List<byte> { 0x80, 0x05 };
        foreach (var text in new[] { module, name })
        {
            bytes.Add(0x8c); // SHORT_BINUNICODE
            bytes.Add((byte)text.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(text));
            bytes.Add(0x94); // MEMOIZE
        }
        bytes.AddRange([0x93, 0x94, 0x29, 0x81, 0x94, 0x7d, 0x94, 0x62, 0x2e]); // STACK_GLOBAL, (), NEWOBJ, {}, BUILD, STOP
        return [.. bytes];
    }

    [Fact]
    public void Diagnostics_pass_the_workers_arguments_as_sent()
    {
        var profile = Bind<ProfileRequest>("2022", "profile", new MsgMap().Add("start", 0.0).Add("stop", null).Add("key", null).Add("server", false));
        Assert.Equal(new ProfileRequest(false, null, 0.0, null, null, false, MergeWorkers: true), profile);
        Assert.Null(Bind<CallStackRequest>("2022", "call_stack", new MsgMap().Add("keys", null)).Keys);
        Assert.Equal(["x"], Bind<CallStackRequest>("2022", "call_stack", new MsgMap().Add("keys", new object?[] { "x" })).Keys!);
        Assert.Equal(2.5, Bind<AdaptiveTargetRequest>("2022", "adaptive_target", new MsgMap().Add("target_duration", "2500ms")).TargetDuration);
        Assert.Equal("my-topic", Bind<EventsRequest>("2022", "events", new MsgMap().Add("topic", "my-topic")).Topic);
        var runspec = Bind<RunSpecRequest>("2024", "get_runspec", new MsgMap().Add("key", new object?[] { "x", 0L }));
        Assert.Equal("('x', 0)", runspec.Key);
    }

    [Fact]
    public void The_state_accepts_the_upload_file_plugin_and_still_refuses_any_other()
    {
        var h = new Scheduler.Tests.State.Harness();
        object? ReplyTo(string op, MsgMap m)
        {
            var (id, cmds) = h.Rpc(op, m);
            return Assert.Single(cmds.OfType<Scheduler.Core.State.Reply>(), c => c.ReplyId == id).Written();
        }
        Assert.Null(ReplyTo("register_scheduler_plugin",
            new MsgMap().Add("plugin", InstancePickle("distributed.diagnostics.plugin", "SchedulerUploadFile")).Add("name", "upload")));
        Assert.Null(ReplyTo("unregister_scheduler_plugin", new MsgMap().Add("name", "upload")));
        var again = Assert.IsType<MsgMap>(ReplyTo("unregister_scheduler_plugin", new MsgMap().Add("name", "upload")));
        Assert.StartsWith("ValueError: Could not find plugin", (string)again["exception_text"]!);
        var refused = Assert.IsType<MsgMap>(ReplyTo("register_scheduler_plugin",
            new MsgMap().Add("plugin", InstancePickle("my.module", "MyPlugin")).Add("name", "mine")));
        Assert.StartsWith("'register_scheduler_plugin' runs Python code inside the scheduler", (string)refused["exception_text"]!);
    }

    [Fact]
    public void An_op_that_is_not_the_schedulers_own_is_left_to_the_others()
    {
        Assert.IsType<UntypedRpc>(Bind("2022", "no_such_op", new MsgMap()));
    }
}
