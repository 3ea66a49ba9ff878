using Scheduler.Core.Diagnostics;
using Scheduler.Core.Messages;
using Scheduler.Core.Pickle.Symbolic;

namespace Scheduler.Core.Protocol.Binding;

// The scheduler's own RPCs (Scheduler.handlers of Dask): queries, gather/scatter, cluster operations.
public abstract partial class MessageBinder
{
    /// <summary>A cluster RPC, or null when <paramref name="op"/> is not one.</summary>
    protected virtual RpcMessage? BindClusterRpc(string op, MsgMap m) => op switch
    {
        "identity" => new IdentityRequest(),
        "who_has" => new WhoHasRequest(OptKeys(m, "keys")),
        "has_what" => new HasWhatRequest(WorkerRefs(m, "workers")),
        "ncores" => new NCoresRequest(WorkerRefs(m, "workers"), RunningOnly: false),
        "ncores_running" => new NCoresRequest(WorkerRefs(m, "workers"), RunningOnly: true),
        "nbytes" => new NbytesRequest(OptKeys(m, "keys"), Flag(m, "summary", true)),
        "processing" => new ProcessingRequest(WorkerRefs(m, "workers")),
        "get_task_status" => new TaskStatusRequest(Keys(m, "keys")),
        "check_idle" => new CheckIdleRequest(),
        "get_runspec" => new RunSpecRequest(Key(m, "key"), m["key"]),
        "get_error_cause" => new ErrorCauseRequest(Keys(m, "keys")),
        // 2024.12 names the argument keys_or_stimuli.
        "get_story" => new StoryRequest(KeyList(m["keys_or_stimuli"] ?? m["keys"])),
        "get_metadata" => new GetMetadataRequest(MetadataPath(m["keys"]), m["default"],
            m.ContainsKey("default") && !IsNoDefault(m["default"])),
        "events" => new EventsRequest(OptString(m, "topic")),
        "get_task_stream" => new TaskStreamRequest(OptDouble(m, "start"), OptDouble(m, "stop"), OptLong(m, "count")),
        "echo" => new EchoRequest(m["data"]),
        "versions" => new VersionsRequest(),
        "workers_to_close" => new WorkersToCloseRequest(Criteria(m), OptString(m, "attribute") == "name"),
        "adaptive_target" => new AdaptiveTargetRequest(Seconds(m, "target_duration")),
        // Any other function would have to run as Python on the scheduler: left untyped, it is refused.
        "run_function" when SchedulerFunctions.Recognize(m["function"]) == SchedulerFunctions.MonitorCount => new MonitorCountRequest(),

        "gather" => new GatherRequest(Keys(m, "keys")),
        // broadcast is True (every worker) or a number of copies; AsLong reads no bool, so True and False are 0 copies.
        "scatter" => new ScatterRequest(OptMap(m, "data"), WorkerRefs(m, "workers"), OptString(m, "client"),
            BroadcastToAll: m["broadcast"] is true, Copies: OptLong(m, "broadcast") ?? 0, OptDouble(m, "timeout")),
        "update_data" => new UpdateDataRequest(OptMap(m, "who_has"), OptMap(m, "nbytes"), OptString(m, "client")),
        "cancel" => new CancelRequest(OptString(m, "client"), Keys(m, "keys"), Flag(m, "force")),
        "retry" => new RetryRequest(Keys(m, "keys")),
        "replicate" => new ReplicateRequest(Keys(m, "keys"), OptLong(m, "n"), WorkerRefs(m, "workers"),
            OptLong(m, "branching_factor"), Delete: m["delete"] is not false),
        "rebalance" => new RebalanceRequest(WorkerRefs(m, "workers"), OptKeys(m, "keys")),
        "set_restrictions" => new SetRestrictionsRequest(RestrictionsByKey(m["worker"])),
        "set_metadata" => new SetMetadataRequest(MetadataPath(m["keys"]), m["value"]),
        "log_event" => new LogEventRequest(Topics(m["topic"]), m["msg"]),

        "heartbeat_worker" => new HeartbeatWorkerRequest(OptString(m, "address"), OptMap(m, "metrics"), OptMap(m, "resources"))
            { Memory = MemoryOf(OptMap(m, "metrics")) },
        "register_nanny" => new RegisterNannyRequest(m["address"] as string),
        "unregister" => new UnregisterWorkerRequest(OptString(m, "address"), OptString(m, "stimulus_id")),
        "set_resources" => new SetResourcesRequest(OptString(m, "worker"), OptMap(m, "resources")),
        "restart" => new RestartRequest(Seconds(m, "timeout"), Flag(m, "wait_for_workers", true), OptString(m, "client")),
        "restart_workers" => new RestartWorkersRequest(WorkerRefs(m, "workers"), Seconds(m, "timeout"),
            Flag(m, "wait_for_workers", true), Raise: OptString(m, "on_error") != "return", OptString(m, "stimulus_id"),
            OptString(m, "client")),
        "retire_workers" => new RetireWorkersRequest(m["names"] == null ? null : [.. MsgValues.SetItems(m["names"])],
            WorkerRefs(m, "workers"), Criteria(m), Flag(m, "close_workers"), Flag(m, "remove", true), OptString(m, "stimulus_id")),
        "broadcast" => Broadcast(op, m),
        "proxy" => new ProxyRequest(m["worker"], Broadcast(op, m)),
        "worker_logs" => new WorkerLogsRequest(OptLong(m, "n"), WorkerRefs(m, "workers"), Nanny: m["nanny"] is true),
        "call_stack" => new CallStackRequest(OptKeys(m, "keys")),
        "profile" => new ProfileRequest(Flag(m, "scheduler"), WorkerRefs(m, "workers"), m["start"], m["stop"], m["key"],
            Flag(m, "server"), Flag(m, "merge_workers", true)),
        "benchmark_hardware" => new BenchmarkHardwareRequest(),

        "register_worker_plugin" => RegisterPlugin(m, nanny: false),
        "register_nanny_plugin" => RegisterPlugin(m, nanny: true),
        "unregister_worker_plugin" => new UnregisterPluginRequest(m["name"], Nanny: false),
        "unregister_nanny_plugin" => new UnregisterPluginRequest(m["name"], Nanny: true),
        // Any other scheduler plugin would have to run as Python on the scheduler: left untyped, it is refused.
        "register_scheduler_plugin" when IsUploadFilePlugin(m["plugin"]) => new RegisterUploadFilePluginRequest(m["name"]),
        "unregister_scheduler_plugin" => new UnregisterSchedulerPluginRequest(m["name"]),
        _ => null,
    };

    // 2024.12 sends idempotent; 2022.12 never does.
    private static RegisterPluginRequest RegisterPlugin(MsgMap m, bool nanny) =>
        new(m["name"], m["plugin"], Idempotent: m["idempotent"] is true, nanny);

    private static BroadcastRequest Broadcast(string op, MsgMap m) => new(
        m["msg"] as MsgMap ?? throw new MessageBindingException(op, $"'msg' must be a map, got {MsgDebug.Format(m["msg"])}"),
        WorkerRefs(m, "workers"),
        m["hosts"] == null ? null : [.. MsgValues.SetItems(m["hosts"]).OfType<string>()],
        Flag(m, "nanny"),
        OptString(m, "on_error") ?? "raise");

    private static CloseCriteria Criteria(MsgMap m) =>
        new(OptDouble(m, "memory_ratio"), OptLong(m, "n"), OptLong(m, "minimum"), OptLong(m, "target"));

    /// <summary>A key list, or null when the field is absent (Dask's "every key").</summary>
    private static List<string>? OptKeys(MsgMap m, string field) => m[field] == null ? null : KeyList(m[field]);

    /// <summary>Worker addresses or names as sent (a list, set or single one), or null when absent (every worker).</summary>
    private static List<object?>? WorkerRefs(MsgMap m, string field) =>
        m[field] == null ? null : [.. MsgValues.SetItems(m[field])];

    /// <summary>set_restrictions' {key: workers}; what is not a key is skipped.</summary>
    private static List<(string, object?)> RestrictionsByKey(object? value)
    {
        var list = new List<(string, object?)>();
        if (value is MsgMap byKey)
            foreach (var (k, v) in byKey)
                if (Scheduler.Core.State.TaskKeys.FromWire(k) is { } key) list.Add((key, v));
        return list;
    }

    /// <summary>A metadata path: a list of keys (nil entries skipped), or one key.</summary>
    private static List<object> MetadataPath(object? keys) =>
        keys is IList<object?> list ? [.. list.OfType<object>()] : keys == null ? [] : [keys];

    /// <summary>
    /// Dask's "no default given" marker: 2022.12 sends dask.utils.no_default, the string "__no_default__"; 2024.12
    /// sends dask.typing.no_default, an enum member its msgpack encoder writes as
    /// <c>{"__Enum__": true, "__module__": "dask.typing", "__name__": "_NoDefault", "name": "no_default"}</c>.
    /// </summary>
    private static bool IsNoDefault(object? v) =>
        Equals(v, "__no_default__")
        || v is MsgMap e && e["__Enum__"] is true && e["__module__"] as string == "dask.typing" && e["name"] as string == "no_default";

    /// <summary>Whether a pickled scheduler plugin is distributed's SchedulerUploadFile, read inertly.</summary>
    private static bool IsUploadFilePlugin(object? plugin)
    {
        if (plugin is not byte[] pickle) return false;
        try
        {
            var node = SymbolicReader.Read(pickle);
            return node.IsCall && node.Callable!.IsGlobal("distributed.diagnostics.plugin", "SchedulerUploadFile");
        }
        catch (PickleRefusedException)
        {
            return false;
        }
    }
}
