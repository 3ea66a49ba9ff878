using Scheduler.Core.Graph;
using Scheduler.Core.Messages;
using Scheduler.Core.State;

namespace Scheduler.Core.Protocol.Binding;

// The clients' and workers' stream ops: graphs, key wishes, task reports, worker status.
public abstract partial class MessageBinder
{
    /// <summary>A client stream op, or null when <paramref name="op"/> is not one this file reads.</summary>
    protected virtual ClientMessage? BindClientStreamOp(string op, MsgMap m) => op switch
    {
        "update-graph-hlg" => new UpdateGraphHlg(GraphSubmission(m), m),
        "update-graph" => new UpdateGraphLegacy(GraphSubmission(m), LegacyGraph(op, m)),
        "client-desires-keys" => new KeysDesired(Keys(m, "keys")),
        "client-releases-keys" => new KeysReleased(Keys(m, "keys")),
        "heartbeat-client" => HeartbeatClient.Instance,
        "close-client" => CloseClient.Instance,
        "subscribe-topic" => new SubscribeTopic(OptString(m, "topic")),
        "unsubscribe-topic" => new UnsubscribeTopic(OptString(m, "topic")),
        "report-key" => new ReportKey(Key(m, "key")),
        "cancel-keys" => new CancelKeys(Keys(m, "keys"), Flag(m, "force")),
        "update-data" => new DataUpdated(OptMap(m, "who_has"), OptMap(m, "nbytes")),
        // update-data stays untyped: Dask's update_data, which the scatter RPC shares, still reads its fields.
        _ => null,
    };

    /// <summary>
    /// The client a stream op acts for: the one it names (fire-and-forget's keys, the getter of a queue's or a
    /// variable's future), else null (the stream's own). Read for every op, whoever binds the rest of it.
    /// </summary>
    public static string? NamedClient(MsgMap fields) => fields["client"] as string;

    /// <summary>One client stream op as its stimulus (with its graph, when the connection prepared one).</summary>
    protected ClientStreamOp StreamOp(string clientId, string op, MsgMap fields, GraphPreparation? preparation = null) =>
        new(clientId, op, BindClientMessage(op, fields)) { NamedClient = NamedClient(fields), Preparation = preparation };

    /// <summary>A worker stream op, or null.</summary>
    protected virtual WorkerMessage? BindWorkerStreamOp(string op, MsgMap m)
    {
        switch (op)
        {
            case "task-finished":
                return new TaskFinished(Key(m, "key"), OptString(m, "stimulus_id"), RunId(m), m["nbytes"] as long?,
                    m["type"] as byte[], OptString(m, "typename"), StartStops(m["startstops"]), m);
            case "task-erred":
                return new TaskErred(Key(m, "key"), OptString(m, "stimulus_id"), RunId(m), m["exception"],
                    OptString(m, "exception_text"), m["traceback"], OptString(m, "traceback_text"),
                    StartStops(m["startstops"]), m);
            case "release-worker-data": return new ReleaseWorkerData(Key(m, "key"), OptString(m, "stimulus_id"));
            case "add-keys": return new KeysAdded(Keys(m, "keys"), OptString(m, "stimulus_id"));
            case "long-running":
                return new TaskLongRunning(Key(m, "key"), OptDouble(m, "compute_duration"), OptString(m, "stimulus_id"));
            case "reschedule": return new Reschedule(Key(m, "key"), OptString(m, "stimulus_id"));
            case "worker-status-change": return new WorkerStatusChanged(OptString(m, "status"), OptString(m, "stimulus_id"));
            case "request-refresh-who-has": return new RequestRefreshWhoHas(Keys(m, "keys"), OptString(m, "stimulus_id"));
            case "log-event": return new WorkerLogEvent(Topics(m["topic"]), m["msg"]);
            case "keep-alive": return KeepAlive.Instance;
            case "steal-response": return new StealResponse(Key(m, "key"), OptString(m, "stimulus_id"), OptString(m, "state"));
            default: return null;
        }
    }

    /// <summary>A report's startstops (null when it has none); one array, the report's only allocation besides its record.</summary>
    private static StartStop[]? StartStops(object? value)
    {
        if (value is not IList<object?> list) return null;
        if (list.Count == 0) return [];
        var result = new StartStop[list.Count];
        for (int i = 0; i < result.Length; i++)
            if (list[i] is MsgMap ss)
                result[i] = new StartStop(ss["action"] as string, MsgValues.AsDouble(ss["start"]), MsgValues.AsDouble(ss["stop"]));
        return result;
    }

    /// <summary>The dispatch a task report names; a 2022.12 worker's name none.</summary>
    protected virtual long? RunId(MsgMap m) => null;

    private static GraphSubmission GraphSubmission(MsgMap m)
    {
        Dictionary<string, double>? priority = null;
        if (m["priority"] is MsgMap p)
        {
            priority = new Dictionary<string, double>(p.Count);
            foreach (var (k, v) in p)
                if (TaskKeys.FromWire(k) is { } key && MsgValues.AsDouble(v) is { } value) priority[key] = value;
        }
        var actors = m["actors"];
        return new GraphSubmission(Keys(m, "keys"), priority, Key(m, "submitting_task"), actors is true,
            actors is true ? [] : KeyList(actors), Seconds(m, "fifo_timeout"), OptString(m, "stimulus_id"));
    }

    /// <summary>A legacy update-graph's tasks as they came (no layers to expand).</summary>
    private static UnpackedGraph LegacyGraph(string op, MsgMap m)
    {
        var unpacked = new UnpackedGraph();
        if (m["tasks"] is MsgMap tasks)
            foreach (var (k, v) in tasks)
                if (TaskKeys.FromWire(k) is { } key) unpacked.Tasks[key] = v;
        if (m["dependencies"] is MsgMap deps)
            foreach (var (k, v) in deps)
                if (TaskKeys.FromWire(k) is { } key)
                    unpacked.Dependencies[key] = MsgValues.SetItems(v).Select(TaskKeys.FromWire).OfType<string>().Where(d => d != key).ToHashSet();
        if (m["annotations"] is MsgMap ann)
            foreach (var (a, v) in ann)
                if (a is string name && v is MsgMap perKey)
                {
                    var values = new Dictionary<string, object?>();
                    foreach (var (k, value) in perKey)
                        if (TaskKeys.FromWire(k) is { } key && !values.TryAdd(key, value))
                            throw new MessageBindingException(op, $"annotation '{name}' names the task {key} twice");
                    unpacked.Annotations[name] = values;
                }
        return unpacked;
    }
}
