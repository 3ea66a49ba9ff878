using Microsoft.Extensions.Logging;
using Scheduler.Core.Pickle;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// Request/reply ops answered from the state (Scheduler.handlers of Dask), and the two that need
// transfers done by the host: gather (get_data from workers) and scatter (update_data to workers).
public sealed partial class SchedulerState
{
    private long _scatterRoundRobin;
    private readonly List<(RpcRequest Request, double Deadline)> _pendingScatters = [];

    /// <summary>Ops Python's scheduler answers by running Python code on the scheduler: refused, by design.</summary>
    private static readonly HashSet<string> RefusedOps =
        ["run_function", "register_scheduler_plugin", "dump_cluster_state_to_url"];

    /// <summary>The scheduler plugins accepted (only <c>SchedulerUploadFile</c>, which needs no Python here), by name.</summary>
    private readonly HashSet<object> _schedulerPlugins = new(MsgValueComparer.Instance!);

    /// <summary>Whether a pickled scheduler plugin is distributed's SchedulerUploadFile, read inertly.</summary>
    private static bool IsUploadFilePlugin(object? plugin)
    {
        if (plugin is not byte[] pickle) return false;
        try
        {
            var node = Pickle.Symbolic.SymbolicReader.Read(pickle);
            return node.IsCall && node.Callable!.IsGlobal("distributed.diagnostics.plugin", "SchedulerUploadFile");
        }
        catch (Pickle.Symbolic.PickleRefusedException)
        {
            return false;
        }
    }

    private void OnRpc(RpcRequest r)
    {
        var m = r.Fields;
        object? reply;
        try
        {
            switch (r.Op)
            {
                case "identity": reply = IdentityMessage(); break;
                case "who_has": reply = WhoHas(m["keys"]); break;
                case "has_what": reply = HasWhat(m["workers"]); break;
                case "ncores": reply = NCores(m["workers"], runningOnly: false); break;
                case "ncores_running": reply = NCores(m["workers"], runningOnly: true); break;
                case "nbytes": reply = Nbytes(m["keys"], MsgValues.AsBool(m["summary"], true)); break;
                case "processing": reply = ProcessingByWorker(m["workers"]); break;
                case "get_task_status":
                    {
                        var map = new MsgMap();
                        foreach (var k in KeyList(m["keys"]))
                            map.Add(TaskKeys.ToWire(k), Tasks.TryGetValue(k, out var t) ? t.Status.Wire() : null);
                        reply = map;
                        break;
                    }
                case "gather": StartGather(r); return;
                case "scatter": StartScatter(r); return;
                case "update_data": UpdateData(m, m["client"] as string); reply = null; break;
                case "cancel": Cancel(m["client"] as string, KeyList(m["keys"]), MsgValues.AsBool(m["force"])); reply = null; break;
                case "retry": reply = Retry(KeyList(m["keys"])).Select(TaskKeys.ToWire).ToArray<object?>(); break;
                case "heartbeat_worker": reply = HeartbeatWorker(m); break;
                case "register_nanny": reply = new MsgMap().Add("status", "OK").Add("nanny-plugins", NannyPlugins.Copy()); break;
                case "register_worker_plugin": RegisterPlugin(r, WorkerPlugins, "plugin-add", nanny: false); return;
                case "unregister_worker_plugin": UnregisterPlugin(r, WorkerPlugins, "plugin-remove", nanny: false); return;
                case "register_nanny_plugin": RegisterPlugin(r, NannyPlugins, "plugin_add", nanny: true); return;
                case "unregister_nanny_plugin": UnregisterPlugin(r, NannyPlugins, "plugin_remove", nanny: true); return;
                // This scheduler runs no scheduler plugins (registering one is refused), so none can be removed.
                case "register_scheduler_plugin" when IsUploadFilePlugin(m["plugin"]):
                    // Client.upload_file registers SchedulerUploadFile next to the workers' plugin so that the scheduler
                    // can import the file; this scheduler imports nothing, so registering it is all there is to do.
                    if (m["name"] is { } pluginName) _schedulerPlugins.Add(pluginName);
                    reply = null;
                    break;
                case "unregister_scheduler_plugin":
                    reply = m["name"] is { } removed && _schedulerPlugins.Remove(removed)
                        ? null
                        : UncaughtError($"ValueError: Could not find plugin {MsgDebug.Format(m["name"])} among the current scheduler plugins");
                    break;
                case "check_idle": reply = CheckIdle(); break;
                case "get_runspec":
                    {
                        var key = TaskKeys.FromClient(m["key"]);
                        if (key == null || !Tasks.TryGetValue(key, out var ts)) { reply = UncaughtError($"KeyError: {MsgDebug.Format(m["key"])}"); break; }
                        // A 2024.12 task is its pickled run_spec (a Task, which knows its dependencies): sent as it came.
                        reply = ts.RunSpec is Pickled pickledSpec ? pickledSpec : new MsgMap().Add("task", ts.RunSpec)
                            .Add("deps", ts.Dependencies.Select(d => TaskKeys.ToWire(d.Key)).ToArray<object?>());
                        break;
                    }
                case "get_error_cause":
                    reply = null;
                    foreach (var k in KeyList(m["keys"]))
                        if (Tasks.TryGetValue(k, out var ets) && ets.ExceptionBlame != null) { reply = TaskKeys.ToWire(ets.ExceptionBlame.Key); break; }
                    break;
                case "replicate": StartReplicate(r); return;
                case "rebalance": StartRebalance(r); return;
                case "set_metadata": SetMetadata(m["keys"], m["value"]); reply = null; break;
                case "get_metadata": reply = GetMetadata(m["keys"], m["default"], m.ContainsKey("default")); break;
                case "get_story": reply = Story(m["keys_or_stimuli"] ?? m["keys"]); break;
                case "restart": StartRestart(r); return;
                case "restart_workers": StartRestartWorkers(r); return;
                case "retire_workers": StartRetireWorkers(r); return;
                case "set_resources": reply = SetResources(m["worker"] as string, m["resources"] as MsgMap); break;
                case "set_restrictions":
                    if (m["worker"] is MsgMap byKey)
                        foreach (var (k, v) in byKey)
                            if (TaskKeys.FromClient(k) is { } rk && Tasks.TryGetValue(rk, out var rts)) SetRestrictions(rts, v);
                    reply = null;
                    break;
                case "workers_to_close": reply = WorkersToCloseReply(m); break;
                case "adaptive_target": reply = AdaptiveTarget(TimeoutOf(m["target_duration"])); break;
                case "call_stack": StartCallStack(r); return;
                case "profile": StartProfile(r); return;
                case "benchmark_hardware": StartBenchmarkHardware(r); return;
                case "run_function" when Diagnostics.SchedulerFunctions.Recognize(m["function"]) == Diagnostics.SchedulerFunctions.MonitorCount:
                    // performance_report asks for the monitor's sample count to slice its history by; ticks serve.
                    reply = new MsgMap().Add("status", "OK").Add("result", TickCount);
                    break;
                case "unregister":
                    {
                        var address = m["address"] is string a ? WorkerAddress.Normalize(a) ?? a : "";
                        if (!Workers.ContainsKey(address)) { reply = "already-removed"; break; }
                        RemoveWorker(address, m["stimulus_id"] as string ?? StimulusId("unregister", Now), close: false);
                        reply = "OK";
                        break;
                    }
                case "log_event":
                    LogEvent(TopicList(m["topic"]), m["msg"]);
                    reply = null;
                    break;
                case "events": reply = GetEvents(m["topic"]); break;
                case "get_task_stream": reply = GetTaskStream(MsgValues.AsDouble(m["start"]), MsgValues.AsDouble(m["stop"]), MsgValues.AsLong(m["count"])); break;
                case "echo": reply = m["data"]; break;
                case "versions": reply = Versions(); break;
                case "worker_logs":
                    {
                        var msg = new MsgMap().Add("op", "get_logs").Add("n", m["n"]);
                        StartBroadcast(r with { Message = new Messages.UntypedRpc(new MsgMap().Add("msg", msg).Add("workers", m["workers"]).Add("nanny", m["nanny"] is true)) }, single: null);
                        return;
                    }
                case "broadcast": StartBroadcast(r, single: null); return;
                case "proxy":
                    {
                        var worker = m["worker"] is { } w ? CoerceAddress(w) ?? w as string : null;
                        if (worker == null || !Workers.ContainsKey(worker)) { reply = UncaughtError($"KeyError: {MsgDebug.Format(m["worker"])}"); break; }
                        m.Set("workers", new object?[] { worker });
                        StartBroadcast(r, single: worker);
                        return;
                    }
                default:
                    if (TryExtensionRpc(r)) return;
                    if (RefusedOps.Contains(r.Op))
                    {
                        reply = UncaughtError($"'{r.Op}' runs Python code inside the scheduler; this scheduler is not written in Python and never unpickles, so it refuses it.");
                        break;
                    }
                    if (_unknownOpsLogged.Add("rpc:" + r.Op)) _log.LogWarning("unknown RPC op {Op}: replying nil", r.Op);
                    reply = null;
                    break;
            }
        }
        catch (Exception e) when (e is InvalidCastException or KeyNotFoundException or ArgumentException or FormatException)
        {
            _log.LogWarning(e, "RPC {Op} failed", r.Op);
            reply = UncaughtError($"{e.GetType().Name}: {e.Message}");
        }
        Emit(new Reply(r.ReplyId, reply));
    }

    /// <summary>Builtin exception types the requester can get as real exceptions ("KeyError: x").</summary>
    private static readonly HashSet<string> BuiltinErrors =
        ["TimeoutError", "KeyError", "ValueError", "TypeError", "OSError", "RuntimeError", "NotImplementedError"];

    /// <summary>
    /// An error reply that Python's send_recv raises on the requesting side. "KeyError: message" becomes a
    /// pickled builtins.KeyError (so `pytest.raises(KeyError)` holds); other text becomes Exception(text).
    /// </summary>
    public static MsgMap UncaughtError(string text)
    {
        object exception = text;
        int colon = text.IndexOf(": ", StringComparison.Ordinal);
        if (colon > 0 && BuiltinErrors.Contains(text[..colon]))
            exception = Pickle.SchedulerExceptions.Builtin(text[..colon], text[(colon + 2)..]);
        return new MsgMap()
            .Add("status", "uncaught-error")
            .Add("exception", exception)
            .Add("traceback", null)
            .Add("exception_text", text)
            .Add("traceback_text", "");
    }

    public MsgMap IdentityMessage()
    {
        var workers = new MsgMap(Workers.Count);
        foreach (var ws in Workers.Values) workers.Add(ws.Address, WorkerIdentity(ws));
        var services = new MsgMap();
        if (Identity.DashboardPort is { } port) services.Add("dashboard", (long)port);
        return new MsgMap()
            .Add("type", "Scheduler")
            .Add("id", Identity.Id)
            .Add("address", Identity.Address)
            .Add("services", services)
            .Add("started", Identity.Started)
            .Add("workers", workers);
    }

    private static MsgMap WorkerIdentity(WorkerState ws)
    {
        var reg = ws.Registration;
        var id = new MsgMap()
            .Add("type", "Worker")
            .Add("id", ws.Name)
            .Add("host", ws.Host)
            .Add("resources", ws.Resources.Copy())
            .Add("local_directory", reg["local_directory"])
            .Add("name", ws.Name)
            .Add("nthreads", (long)ws.NThreads)
            .Add("memory_limit", ws.MemoryLimit)
            .Add("last_seen", ws.LastSeen)
            .Add("services", reg["services"] ?? new MsgMap())
            .Add("metrics", ws.Metrics ?? new MsgMap())
            .Add("status", ws.Status)
            .Add("nanny", ws.Nanny);
        if (reg["extra"] is MsgMap extra) foreach (var (k, v) in extra) id.Set(k!, v);
        return id;
    }

    private MsgMap WhoHas(object? keys)
    {
        var result = new MsgMap();
        var list = keys == null ? Tasks.Keys.ToList() : KeyList(keys);
        foreach (var k in list)
            result.Add(TaskKeys.ToWire(k), Tasks.TryGetValue(k, out var ts)
                ? ts.WhoHas.Select(w => (object?)w.Address).ToArray() : Array.Empty<object?>());
        return result;
    }

    /// <summary>set_resources (Worker.set_resources): the worker's resources change; tasks waiting for them may run now.</summary>
    private object? SetResources(string? worker, MsgMap? resources)
    {
        var address = worker == null ? null : WorkerAddress.Normalize(worker) ?? worker;
        if (address == null || !Workers.TryGetValue(address, out var ws)) return UncaughtError($"KeyError: {PyRepr.Repr(worker)}");
        if (resources != null) foreach (var (k, v) in resources) if (k is string name) ws.Resources.Set(name, v);
        if (ws.IsRunning) Transitions(BulkScheduleUnrunnable(ws), StimulusId("set-resources", Now));
        return "OK";
    }

    /// <summary>get_story: the transition log entries about these keys, as Dask's Transition tuples.</summary>
    private object?[] Story(object? keysOrStimuli)
    {
        var keys = KeyList(keysOrStimuli).ToHashSet();
        return TransitionLog.Story(keys).Select(t =>
        {
            var recs = new MsgMap();
            foreach (var (k, st) in t.Recommendations) recs.Set(TaskKeys.ToWire(k), st.Wire());
            return (object?)new object?[] { TaskKeys.ToWire(t.Key), t.Start.Wire(), t.Finish.Wire(), recs, t.StimulusId, t.Time };
        }).ToArray();
    }

    private IEnumerable<string> WorkerList(object? workers) =>
        workers == null ? Workers.Keys
            : MsgValues.SetItems(workers).Select(w => w != null ? CoerceAddress(w) ?? w as string : null).OfType<string>();

    private MsgMap HasWhat(object? workers)
    {
        var result = new MsgMap();
        foreach (var w in WorkerList(workers))
            result.Add(w, Workers.TryGetValue(w, out var ws)
                ? ws.HasWhat.Select(t => TaskKeys.ToWire(t.Key)).ToArray<object?>() : Array.Empty<object?>());
        return result;
    }

    private MsgMap NCores(object? workers, bool runningOnly)
    {
        var result = new MsgMap();
        foreach (var w in WorkerList(workers))
            if (Workers.TryGetValue(w, out var ws) && (!runningOnly || ws.IsRunning)) result.Add(w, (long)ws.NThreads);
        return result;
    }

    private MsgMap ProcessingByWorker(object? workers)
    {
        var result = new MsgMap();
        foreach (var w in WorkerList(workers))
            if (Workers.TryGetValue(w, out var ws))
                result.Add(w, ws.Processing.Keys.Select(t => TaskKeys.ToWire(t.Key)).ToArray<object?>());
        return result;
    }

    private MsgMap Nbytes(object? keys, bool summary)
    {
        var pairs = new List<(string Key, long N)>();
        if (keys != null)
        {
            foreach (var k in KeyList(keys))
                if (Tasks.TryGetValue(k, out var ts)) pairs.Add((k, ts.Nbytes));
        }
        else
        {
            foreach (var ts in Tasks.Values) pairs.Add((ts.Key, ts.Nbytes));
        }
        var result = new MsgMap();
        if (!summary)
        {
            foreach (var (k, n) in pairs) result.Add(TaskKeys.ToWire(k), n);
            return result;
        }
        var sums = new Dictionary<string, long>();
        var order = new List<string>();
        foreach (var (k, n) in pairs)
        {
            var p = TaskKeys.KeySplit(k);
            if (!sums.ContainsKey(p)) { sums[p] = 0; order.Add(p); }
            sums[p] += n;
        }
        foreach (var p in order) result.Add(p, sums[p]);
        return result;
    }

    /// <summary>
    /// The versions RPC. This scheduler runs no Python, so it reports the Python packages of the first
    /// worker (else client) that registered: version checks then compare clients and workers with
    /// each other, which is what they are for. An empty cluster reports no packages.
    /// </summary>
    private MsgMap Versions()
    {
        var source = Workers.Values.Select(w => w.Registration["versions"]).OfType<MsgMap>().FirstOrDefault()
                     ?? Clients.Values.Select(c => c.Versions).OfType<MsgMap>().FirstOrDefault();
        if (source != null) return source.Copy();
        return new MsgMap().Add("host", new MsgMap()).Add("packages", new MsgMap());
    }

    // ---------------------------------------------------------------- plugins

    /// <summary>Pickled worker plugins (opaque), replayed to every worker that registers later.</summary>
    public MsgMap WorkerPlugins { get; } = new();
    public MsgMap NannyPlugins { get; } = new();

    private long _idleTransitionCounter = -1;
    private double? _idleSince;

    /// <summary>Dask's check_idle: since when nothing has been transitioned, queued or processed, or null when busy.</summary>
    private object? CheckIdle()
    {
        if (TransitionLog.Added != _idleTransitionCounter)
        {
            _idleTransitionCounter = TransitionLog.Added;
            _idleSince = null;
            return null;
        }
        if (Queued.Count > 0 || Unrunnable.Count > 0 || Workers.Values.Any(w => w.Processing.Count > 0))
        {
            _idleSince = null;
            return null;
        }
        _idleSince ??= Now;
        return _idleSince;
    }

    private void RegisterPlugin(RpcRequest r, MsgMap store, string op, bool nanny)
    {
        var name = r.Fields["name"];
        var plugin = r.Fields["plugin"];
        // 2024.12: an idempotent registration of a name already registered changes nothing.
        if (r.Fields["idempotent"] is true && name != null && store.ContainsKey(name))
        {
            Emit(new Reply(r.ReplyId, new MsgMap()));
            return;
        }
        if (name != null) store.Set(name, plugin);
        var msg = new MsgMap().Add("op", op).Add("plugin", plugin).Add("name", name);
        StartBroadcast(r with { Message = new Messages.UntypedRpc(new MsgMap().Add("msg", msg).Add("nanny", nanny)) }, single: null);
    }

    private void UnregisterPlugin(RpcRequest r, MsgMap store, string op, bool nanny)
    {
        var name = r.Fields["name"];
        if (name == null || !store.Remove(name))
        {
            Emit(new Reply(r.ReplyId, UncaughtError($"ValueError: The worker plugin {MsgDebug.Format(name)} does not exist")));
            return;
        }
        var msg = new MsgMap().Add("op", op).Add("name", name);
        StartBroadcast(r with { Message = new Messages.UntypedRpc(new MsgMap().Add("msg", msg).Add("nanny", nanny)) }, single: null);
    }

    // ---------------------------------------------------------------- broadcast

    /// <summary>Dask's broadcast: the message to each (or the named) worker, or to their nannies.</summary>
    private void StartBroadcast(RpcRequest r, string? single)
    {
        var m = r.Fields;
        if (m["msg"] is not MsgMap inner)
        {
            Emit(new Reply(r.ReplyId, UncaughtError("broadcast without a msg")));
            return;
        }
        var workers = new List<string>();
        if (m["workers"] != null) workers.AddRange(WorkerList(m["workers"]));
        else if (m["hosts"] == null) workers.AddRange(Workers.Keys);
        foreach (var h in MsgValues.SetItems(m["hosts"]))
            if (h is string host) workers.AddRange(Workers.Values.Where(w => w.Host == host).Select(w => w.Address));
        bool nanny = MsgValues.AsBool(m["nanny"]);
        var targets = new List<(string, string)>();
        foreach (var w in workers)
        {
            var target = nanny ? (Workers.TryGetValue(w, out var ws) ? ws.Nanny : null) : w;
            if (target != null) targets.Add((w, target));
        }
        Emit(new BroadcastRpc(r.ReplyId, targets, inner, m["on_error"] as string ?? "raise", single));
    }

    // ---------------------------------------------------------------- gather

    private void StartGather(RpcRequest r)
    {
        var whoHas = new Dictionary<string, List<string>>();
        foreach (var k in KeyList(r.Fields["keys"]))
            whoHas[k] = Tasks.TryGetValue(k, out var ts) ? ts.WhoHas.Select(w => w.Address).ToList() : [];
        Emit(new FetchData(r.ReplyId, whoHas));
    }

    private void OnDataFetched(DataFetched d)
    {
        if (d.MissingKeys.Count == 0)
        {
            Emit(new Reply(d.ReplyId, new MsgMap().Add("status", "OK").Add("data", d.Data)));
            return;
        }
        var missing = new MsgMap();
        foreach (var (k, workers) in d.MissingKeys) missing.Add(TaskKeys.ToWire(k), workers.ToArray<object?>());
        Emit(new Reply(d.ReplyId, new MsgMap().Add("status", "error").Add("keys", missing)));
        var sid = StimulusId("gather", Now);
        foreach (var w in d.FailedWorkers)
        {
            _log.LogWarning("removing worker {Worker}: it could not hand over data during gather", w);
            RemoveWorker(w, sid, close: true);
        }
    }

    // ---------------------------------------------------------------- scatter

    private void StartScatter(RpcRequest r)
    {
        var timeout = MsgValues.AsDouble(r.Fields["timeout"]) ?? 2;
        if (!TryScatter(r)) _pendingScatters.Add((r, Now + timeout));
    }

    private void RetryPendingScatters()
    {
        for (int i = _pendingScatters.Count - 1; i >= 0; i--)
        {
            var (r, deadline) = _pendingScatters[i];
            if (TryScatter(r)) _pendingScatters.RemoveAt(i);
            else if (Now > deadline)
            {
                _pendingScatters.RemoveAt(i);
                Emit(new Reply(r.ReplyId, UncaughtError("TimeoutError: No valid workers found")));
            }
        }
    }

    private bool TryScatter(RpcRequest r)
    {
        var m = r.Fields;
        IEnumerable<WorkerState> candidates = m["workers"] == null
            ? Running
            : WorkerList(m["workers"]).Select(a => Workers.GetValueOrDefault(a)).OfType<WorkerState>().Where(w => w.IsRunning);
        // Data a client scatters is pickled by its Python: it goes to workers of the client's Dask version.
        if (_mixedDialects && m["client"] is string scatterer && Clients.TryGetValue(scatterer, out var scs))
            candidates = candidates.Where(w => w.Dialect == scs.Dialect);
        var wss = candidates.OrderBy(w => w.Address, StringComparer.Ordinal).ToList();
        if (wss.Count == 0) return false;
        if (m["data"] is not MsgMap data)
        {
            Emit(new Reply(r.ReplyId, UncaughtError("scatter without a data map")));
            return true;
        }
        var keys = new List<string>();
        var byWorker = new Dictionary<string, MsgMap>();
        var broadcast = m["broadcast"];
        int copies = broadcast is true ? wss.Count : MsgValues.AsLong(broadcast) is { } nb and > 0 ? (int)Math.Min(nb, wss.Count) : 0;
        // Round robin over threads, continuing where the last scatter stopped (Dask's scatter_to_workers).
        var slots = wss.SelectMany(w => Enumerable.Repeat(w, Math.Max(w.NThreads, 1))).ToList();
        foreach (var (k, v) in data)
        {
            if (TaskKeys.FromWire(k) is not { } key) continue;
            keys.Add(key);
            IEnumerable<WorkerState> targets;
            if (copies > 0)
            {
                int start = (int)(_scatterRoundRobin++ % wss.Count);
                targets = Enumerable.Range(0, copies).Select(i => wss[(start + i) % wss.Count]);
            }
            else
            {
                targets = [slots[(int)(_scatterRoundRobin++ % slots.Count)]];
            }
            foreach (var ws in targets)
            {
                if (!byWorker.TryGetValue(ws.Address, out var part)) byWorker[ws.Address] = part = new MsgMap();
                part.Add(k, v);
            }
        }
        Emit(new PushData(r.ReplyId, m["client"] as string, keys, byWorker));
        return true;
    }

    private void OnDataPushed(DataPushed d)
    {
        if (d.Error != null)
        {
            Emit(new Reply(d.ReplyId, UncaughtError(d.Error)));
            return;
        }
        var whoHas = new MsgMap();
        foreach (var (k, ws) in d.WhoHas) whoHas.Add(TaskKeys.ToWire(k), ws.ToArray<object?>());
        var nbytes = new MsgMap();
        foreach (var (k, n) in d.Nbytes) nbytes.Add(TaskKeys.ToWire(k), n);
        UpdateData(new MsgMap().Add("who_has", whoHas).Add("nbytes", nbytes), d.Client);
        LogEvent(d.Client != null ? [d.Client, "all"] : ["all"],
            new MsgMap().Add("action", "scatter").Add("client", d.Client).Add("count", (long)d.Keys.Count));
        Emit(new Reply(d.ReplyId, d.Keys.Select(TaskKeys.ToWire).ToArray<object?>()));
    }

    /// <summary>Dask's update_data: keys now held by workers (scatter, direct scatter).</summary>
    private void UpdateData(MsgMap msg, string? client)
    {
        if (msg["who_has"] is not MsgMap whoHas) return;
        var nbytes = msg["nbytes"] as MsgMap;
        var keys = new List<string>();
        foreach (var (k, v) in whoHas)
        {
            if (TaskKeys.FromWire(k) is not { } key) continue;
            keys.Add(key);
            if (!Tasks.TryGetValue(key, out var ts)) ts = NewTask(key, null);
            if (ts.Status != TaskStatus.Memory) ts.SetStatus(TaskStatus.Memory);
            if (k != null && nbytes?[k] is long n && n >= 0) SetNbytes(ts, n);
            var workers = new List<object?>();
            foreach (var w in MsgValues.SetItems(v))
            {
                if (w is not string addr) continue;
                var a = WorkerAddress.Normalize(addr) ?? addr;
                workers.Add(a);
                if (Workers.TryGetValue(a, out var ws)) AddReplica(ts, ws);
            }
            Report(new MsgMap().Add("op", "key-in-memory").Add("key", k).Add("workers", workers.ToArray()), ts);
        }
        if (client != null) ClientDesiresKeys(client, keys);
    }
}
