using Microsoft.Extensions.Logging;
using Scheduler.Core.Messages;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Pickle;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// Request/reply ops answered from the state (Scheduler.handlers of Dask), and the two that need
// transfers done by the host: gather (get_data from workers) and scatter (update_data to workers).
public sealed partial class SchedulerState
{
    private long _scatterRoundRobin;
    private readonly List<(long ReplyId, ScatterRequest Scatter, double Deadline)> _pendingScatters = [];

    /// <summary>Ops Python's scheduler answers by running Python code on the scheduler: refused, by design.</summary>
    private static readonly HashSet<string> RefusedOps =
        ["run_function", "register_scheduler_plugin", "dump_cluster_state_to_url"];

    /// <summary>The scheduler plugins accepted (only <c>SchedulerUploadFile</c>, which needs no Python here), by name.</summary>
    private readonly HashSet<object> _schedulerPlugins = new(MsgValueComparer.Instance!);

    private void OnRpc(RpcRequest r)
    {
        object? reply;
        try
        {
            switch (r.Message)
            {
                case IdentityRequest: reply = IdentityReply(); break;
                case WhoHasRequest q: reply = WhoHas(q.Keys); break;
                case HasWhatRequest q: reply = HasWhat(q.Workers); break;
                case NCoresRequest q: reply = NCores(q.Workers, q.RunningOnly); break;
                case NbytesRequest q: reply = Nbytes(q.Keys, q.Summary); break;
                case ProcessingRequest q: reply = ProcessingByWorker(q.Workers); break;
                case TaskStatusRequest q:
                    reply = new KeyStatuses(q.Keys.Select(k => new KeyStatus(k, Tasks.TryGetValue(k, out var t) ? t.Status : null)).ToList());
                    break;
                case GatherRequest q: StartGather(r.ReplyId, q); return;
                case ScatterRequest q: StartScatter(r.ReplyId, q); return;
                case UpdateDataRequest q: UpdateData(q.WhoHas, q.Nbytes, q.Client); reply = null; break;
                case CancelRequest q: Cancel(q.Client, [.. q.Keys], q.Force); reply = null; break;
                case RetryRequest q: reply = new KeyList(Retry([.. q.Keys])); break;
                case HeartbeatWorkerRequest q: reply = HeartbeatWorker(q); break;
                case RegisterNannyRequest n:
                    if (n.Address != null) _startingNannies.Add(n.Address);
                    reply = new NannyRegistered(NannyPlugins.Copy());
                    break;
                case RegisterPluginRequest q: RegisterPlugin(r.ReplyId, q); return;
                case UnregisterPluginRequest q: UnregisterPlugin(r.ReplyId, q); return;
                case RegisterUploadFilePluginRequest q:
                    // Client.upload_file registers SchedulerUploadFile next to the workers' plugin so that the scheduler
                    // can import the file; this scheduler imports nothing, so registering it is all there is to do.
                    if (q.Name is { } pluginName) _schedulerPlugins.Add(pluginName);
                    reply = null;
                    break;
                case UnregisterSchedulerPluginRequest q:
                    reply = q.Name is { } removed && _schedulerPlugins.Remove(removed)
                        ? null
                        : new ErrorReply($"ValueError: Could not find plugin {MsgDebug.Format(q.Name)} among the current scheduler plugins");
                    break;
                case CheckIdleRequest: reply = CheckIdle(); break;
                case RunSpecRequest q:
                    {
                        if (q.Key == null || !Tasks.TryGetValue(q.Key, out var ts)) { reply = new ErrorReply($"KeyError: {MsgDebug.Format(q.KeyAsSent)}"); break; }
                        reply = new RunSpecReply(ts.RunSpec, ts.Dependencies.Select(d => d.Key).ToList());
                        break;
                    }
                case ErrorCauseRequest q:
                    reply = null;
                    foreach (var k in q.Keys)
                        if (Tasks.TryGetValue(k, out var ets) && ets.ExceptionBlame != null) { reply = new ErrorCause(ets.ExceptionBlame.Key); break; }
                    break;
                case ReplicateRequest q: StartReplicate(r, q); return;
                case RebalanceRequest q: StartRebalance(r, q); return;
                case SetMetadataRequest q: SetMetadata(q.Path, q.Value); reply = null; break;
                case GetMetadataRequest q: reply = GetMetadata(q.Path, q.Default, q.HasDefault); break;
                case StoryRequest q: reply = Story(q.Keys); break;
                case RestartRequest q: StartRestart(r.ReplyId, q); return;
                case RestartWorkersRequest q: StartRestartWorkers(r.ReplyId, q); return;
                case RetireWorkersRequest q: StartRetireWorkers(r.ReplyId, q); return;
                case SetResourcesRequest q: reply = SetResources(q.Worker, q.Resources); break;
                case SetRestrictionsRequest q:
                    foreach (var (k, v) in q.ByKey)
                        if (Tasks.TryGetValue(k, out var rts)) SetRestrictions(rts, v);
                    reply = null;
                    break;
                case WorkersToCloseRequest q: reply = WorkersToCloseReply(q); break;
                case AdaptiveTargetRequest q: reply = AdaptiveTarget(q.TargetDuration); break;
                case CallStackRequest q: StartCallStack(r.ReplyId, q); return;
                case ProfileRequest q: StartProfile(r.ReplyId, q); return;
                case BenchmarkHardwareRequest: StartBenchmarkHardware(r.ReplyId); return;
                case MonitorCountRequest:
                    // performance_report asks for the monitor's sample count to slice its history by; ticks serve.
                    reply = new MonitorCount(TickCount);
                    break;
                case UnregisterWorkerRequest q:
                    {
                        var address = q.Address is { } a ? WorkerAddress.Normalize(a) ?? a : "";
                        if (!Workers.ContainsKey(address)) { reply = "already-removed"; break; }
                        RemoveWorker(address, q.StimulusId ?? StimulusId("unregister", Now), close: false);
                        reply = "OK";
                        break;
                    }
                case LogEventRequest q: LogEvent(q.Topics, new PeerEvent(q.Event)); reply = null; break;
                case EventsRequest q: reply = GetEvents(q.Topic); break;
                case TaskStreamRequest q: reply = GetTaskStream(q.Start, q.Stop, q.Count); break;
                case EchoRequest q: reply = q.Data; break;
                case VersionsRequest: reply = Versions(); break;
                case WorkerLogsRequest q:
                    StartBroadcast(r.ReplyId, new GetLogs(q.N), q.Workers, hosts: null, q.Nanny, onError: "raise", single: null);
                    return;
                case BroadcastRequest q: StartBroadcast(r.ReplyId, q, single: null); return;
                case ProxyRequest q:
                    {
                        var worker = q.Worker is { } w ? CoerceAddress(w) ?? w as string : null;
                        if (worker == null) { reply = new ErrorReply($"KeyError: {MsgDebug.Format(q.Worker)}"); break; }
                        // Dask's proxy connects to the address whether or not it is a worker, and fails with an OSError
                        // when nothing answers; an Actor's caller reads that as "the worker may be gone" and waits for its
                        // future. A worker already removed fails so at once, rather than after the connect timeout.
                        if (!Workers.ContainsKey(worker))
                        {
                            reply = new ErrorReply($"OSError: could not connect to {worker}: it is not a worker of this scheduler (it left, or never joined)");
                            break;
                        }
                        StartBroadcast(r.ReplyId, q.Broadcast with { Workers = [worker] }, single: worker);
                        return;
                    }
                default:
                    // An untyped op, or a typed one that is an extension's.
                    if (TryExtensionRpc(r)) return;
                    if (RefusedOps.Contains(r.Op))
                    {
                        reply = new ErrorReply($"'{r.Op}' runs Python code inside the scheduler; this scheduler is not written in Python and never unpickles, so it refuses it.");
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
            reply = new ErrorReply($"{e.GetType().Name}: {e.Message}");
        }
        Emit(new Reply(r.ReplyId, reply));
    }

    /// <summary>identity: the scheduler and its workers as they are now.</summary>
    public SchedulerIdentityReply IdentityReply() => new(Identity.Id, Identity.Address, Identity.DashboardPort, Identity.Started,
        Workers.Values.Select(WorkerIdentity).ToList());

    private static WorkerIdentityInfo WorkerIdentity(WorkerState ws) => new(ws.Address, ws.Name, ws.Host, ws.Resources.Copy(),
        ws.LocalDirectory, ws.NThreads, ws.MemoryLimit, ws.LastSeen, ws.Services, ws.Metrics, ws.Status, ws.Nanny, ws.Extra);

    private WhoHasReply WhoHas(IReadOnlyList<string>? keys) =>
        new((keys ?? Tasks.Keys.ToList()).Select(k => new KeyHolders(k, Tasks.TryGetValue(k, out var ts)
            ? ts.WhoHas.Select(w => w.Address).ToArray() : [])).ToList());

    /// <summary>heartbeat_worker: the worker is alive; its metrics and resources are the latest.</summary>
    private RpcReply HeartbeatWorker(HeartbeatWorkerRequest q)
    {
        var address = q.Address is { } a ? WorkerAddress.Normalize(a) ?? a : null;
        if (address == null || !Workers.TryGetValue(address, out var ws))
            return HeartbeatMissing.Instance;
        ws.LastSeen = Now;
        if (q.Metrics is { } metrics)
        {
            ws.Metrics = metrics;
            ws.MemoryReading = q.Memory ?? default;
            TrackUnmanagedMemory(ws, ws.MemoryReading);
        }
        if (q.Resources is { } resources)
            foreach (var (k, v) in resources) if (k is string rk) ws.Resources.Set(rk, v);
        return new HeartbeatAck(Now, HeartbeatInterval);
    }

    /// <summary>set_resources (Worker.set_resources): the worker's resources change; tasks waiting for them may run now.</summary>
    private object? SetResources(string? worker, MsgMap? resources)
    {
        var address = worker == null ? null : WorkerAddress.Normalize(worker) ?? worker;
        if (address == null || !Workers.TryGetValue(address, out var ws)) return new ErrorReply($"KeyError: {PyRepr.Repr(worker)}");
        if (resources != null) foreach (var (k, v) in resources) if (k is string name) ws.Resources.Set(name, v);
        if (ws.IsRunning) Transitions(BulkScheduleUnrunnable(ws), StimulusId("set-resources", Now));
        return "OK";
    }

    /// <summary>get_story: the transition log entries about these keys, as Dask's Transition tuples.</summary>
    private StoryReply Story(IReadOnlyList<string> keysOrStimuli) => new(TransitionLog.Story(keysOrStimuli.ToHashSet()));

    /// <summary>Worker addresses or names as a peer sent them, as addresses (every worker for null).</summary>
    private IEnumerable<string> WorkerList(IReadOnlyList<object?>? workers) =>
        workers == null ? Workers.Keys
            : workers.Select(w => w != null ? CoerceAddress(w) ?? w as string : null).OfType<string>();

    private KeysByWorker HasWhat(IReadOnlyList<object?>? workers) =>
        new(WorkerList(workers).Select(w => new WorkerKeys(w, Workers.TryGetValue(w, out var ws)
            ? ws.HasWhat.Select(t => t.Key).ToArray() : [])).ToList());

    private MsgMap NCores(IReadOnlyList<object?>? workers, bool runningOnly)
    {
        var result = new MsgMap();
        foreach (var w in WorkerList(workers))
            if (Workers.TryGetValue(w, out var ws) && (!runningOnly || ws.IsRunning)) result.Add(w, (long)ws.NThreads);
        return result;
    }

    private KeysByWorker ProcessingByWorker(IReadOnlyList<object?>? workers) =>
        new(WorkerList(workers).Where(Workers.ContainsKey)
            .Select(w => new WorkerKeys(w, Workers[w].Processing.Keys.Select(t => t.Key).ToArray())).ToList());

    /// <summary>Each key's size, or (<paramref name="summary"/>) the sizes summed per key prefix, {prefix: bytes}.</summary>
    private object Nbytes(IReadOnlyList<string>? keys, bool summary)
    {
        var pairs = new List<(string Key, long N)>();
        if (keys != null)
        {
            foreach (var k in keys)
                if (Tasks.TryGetValue(k, out var ts)) pairs.Add((k, ts.Nbytes));
        }
        else
        {
            foreach (var ts in Tasks.Values) pairs.Add((ts.Key, ts.Nbytes));
        }
        if (!summary) return new KeySizes(pairs.Select(p => new KeySize(p.Key, p.N)).ToList());
        var result = new MsgMap();
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
    private PeerVersions Versions() => new(
        (Workers.Values.Select(w => w.Versions).OfType<MsgMap>().FirstOrDefault()
         ?? Clients.Values.Select(c => c.Versions).OfType<MsgMap>().FirstOrDefault())?.Copy());

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

    private void RegisterPlugin(long replyId, RegisterPluginRequest q)
    {
        var store = q.Nanny ? NannyPlugins : WorkerPlugins;
        // 2024.12: an idempotent registration of a name already registered changes nothing.
        if (q.Idempotent && q.Name != null && store.ContainsKey(q.Name))
        {
            Emit(new Reply(replyId, new MsgMap()));
            return;
        }
        if (q.Name != null) store.Set(q.Name, q.Plugin);
        if (q.Nanny && _startingNannies.Count > 0)
        {
            _nannyPluginsAwaitingStarts.Add((replyId, q));
            return;
        }
        BroadcastPlugin(replyId, q);
    }

    private void BroadcastPlugin(long replyId, RegisterPluginRequest q) =>
        StartBroadcast(replyId, new AddPlugin(q.Plugin, q.Name, ToNanny: q.Nanny), workerNames: null, hosts: null, q.Nanny, onError: "raise", single: null);

    /// <summary>
    /// 2024.12 nannies between register_nanny and the end of their start (Scheduler._starting_nannies). A nanny plugin
    /// registered meanwhile would miss a nanny that registered before it and whose worker is not connected yet, so it
    /// waits until none is starting, then goes to every worker's nanny, as Dask's register_nanny_plugin does.
    /// </summary>
    private readonly HashSet<string> _startingNannies = [];
    private readonly List<(long ReplyId, RegisterPluginRequest Request)> _nannyPluginsAwaitingStarts = [];

    private void OnNannyStartEnded(NannyStartEnded n)
    {
        if (!_startingNannies.Remove(n.Nanny) || _startingNannies.Count > 0) return;
        var waiting = _nannyPluginsAwaitingStarts.ToList();
        _nannyPluginsAwaitingStarts.Clear();
        foreach (var (replyId, q) in waiting) BroadcastPlugin(replyId, q);
    }

    private void UnregisterPlugin(long replyId, UnregisterPluginRequest q)
    {
        var store = q.Nanny ? NannyPlugins : WorkerPlugins;
        if (q.Name == null || !store.Remove(q.Name))
        {
            Emit(new Reply(replyId, new ErrorReply($"ValueError: The worker plugin {MsgDebug.Format(q.Name)} does not exist")));
            return;
        }
        StartBroadcast(replyId, new RemovePlugin(q.Name, ToNanny: q.Nanny), workerNames: null, hosts: null, q.Nanny, onError: "raise", single: null);
    }

    // ---------------------------------------------------------------- broadcast

    /// <summary>A client's broadcast (or proxy): its message passed on as it came.</summary>
    private void StartBroadcast(long replyId, BroadcastRequest b, string? single) =>
        StartBroadcast(replyId, new ForwardedRpc(b.Msg), b.Workers, b.Hosts, b.Nanny, b.OnError, single);

    /// <summary>Dask's broadcast: the message to each (or the named) worker, or to their nannies.</summary>
    private void StartBroadcast(long replyId, WorkerRpc message, IReadOnlyList<object?>? workerNames, IReadOnlyList<string>? hosts,
        bool nanny, string onError, string? single)
    {
        var workers = new List<string>();
        if (workerNames != null) workers.AddRange(WorkerList(workerNames));
        else if (hosts == null) workers.AddRange(Workers.Keys);
        foreach (var host in hosts ?? [])
            workers.AddRange(Workers.Values.Where(w => w.Host == host).Select(w => w.Address));
        var targets = new List<(string, string)>();
        foreach (var w in workers)
        {
            var target = nanny ? (Workers.TryGetValue(w, out var ws) ? ws.Nanny : null) : w;
            if (target != null) targets.Add((w, target));
        }
        Emit(new BroadcastRpc(replyId, targets, message, onError, single));
    }

    // ---------------------------------------------------------------- gather

    private void StartGather(long replyId, GatherRequest q)
    {
        var whoHas = new Dictionary<string, List<string>>();
        foreach (var k in q.Keys)
            whoHas[k] = Tasks.TryGetValue(k, out var ts) ? ts.WhoHas.Select(w => w.Address).ToList() : [];
        Emit(new FetchData(replyId, whoHas));
    }

    private void OnDataFetched(DataFetched d)
    {
        if (d.MissingKeys.Count == 0)
        {
            Emit(new Reply(d.ReplyId, new GatherData(d.Data)));
            return;
        }
        Emit(new Reply(d.ReplyId, new GatherMissing(d.MissingKeys.Select(p => new KeyHolders(p.Key, p.Value.ToArray())).ToList())));
        var sid = StimulusId("gather", Now);
        foreach (var w in d.FailedWorkers)
        {
            _log.LogWarning("removing worker {Worker}: it could not hand over data during gather", w);
            RemoveWorker(w, sid, close: true);
        }
    }

    // ---------------------------------------------------------------- scatter

    private void StartScatter(long replyId, ScatterRequest q)
    {
        var timeout = q.Timeout ?? 2;
        if (!TryScatter(replyId, q)) _pendingScatters.Add((replyId, q, Now + timeout));
    }

    private void RetryPendingScatters()
    {
        for (int i = _pendingScatters.Count - 1; i >= 0; i--)
        {
            var (replyId, q, deadline) = _pendingScatters[i];
            if (TryScatter(replyId, q)) _pendingScatters.RemoveAt(i);
            else if (Now > deadline)
            {
                _pendingScatters.RemoveAt(i);
                Emit(new Reply(replyId, new ErrorReply("TimeoutError: No valid workers found")));
            }
        }
    }

    private bool TryScatter(long replyId, ScatterRequest q)
    {
        IEnumerable<WorkerState> candidates = q.Workers == null
            ? Running
            : WorkerList(q.Workers).Select(a => Workers.GetValueOrDefault(a)).OfType<WorkerState>().Where(w => w.IsRunning);
        // Data a client scatters is pickled by its Python: it goes to workers of the client's Dask version.
        if (_mixedDialects && q.Client is { } scatterer && Clients.TryGetValue(scatterer, out var scs))
            candidates = candidates.Where(w => w.Dialect == scs.Dialect);
        var wss = candidates.OrderBy(w => w.Address, StringComparer.Ordinal).ToList();
        if (wss.Count == 0) return false;
        if (q.Data is not { } data)
        {
            Emit(new Reply(replyId, new ErrorReply("scatter without a data map")));
            return true;
        }
        var keys = new List<string>();
        var byWorker = new Dictionary<string, MsgMap>();
        int copies = q.BroadcastToAll ? wss.Count : q.Copies > 0 ? (int)Math.Min(q.Copies, wss.Count) : 0;
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
        Emit(new PushData(replyId, q.Client, keys, byWorker));
        return true;
    }

    private void OnDataPushed(DataPushed d)
    {
        if (d.Error != null)
        {
            Emit(new Reply(d.ReplyId, new ErrorReply(d.Error)));
            return;
        }
        var whoHas = new MsgMap();
        foreach (var (k, ws) in d.WhoHas) whoHas.Add(TaskKeys.ToWire(k), ws.ToArray<object?>());
        var nbytes = new MsgMap();
        foreach (var (k, n) in d.Nbytes) nbytes.Add(TaskKeys.ToWire(k), n);
        UpdateData(whoHas, nbytes, d.Client);
        LogEvent(d.Client != null ? [d.Client, "all"] : ["all"], new DataScattered(d.Client, d.Keys.Count));
        Emit(new Reply(d.ReplyId, new KeyList(d.Keys)));
    }

    /// <summary>Dask's update_data: keys now held by workers (scatter, direct scatter), {key: workers} and {key: bytes}.</summary>
    private void UpdateData(MsgMap? whoHas, MsgMap? nbytes, string? client)
    {
        if (whoHas == null) return;
        var keys = new List<string>();
        foreach (var (k, v) in whoHas)
        {
            if (TaskKeys.FromWire(k) is not { } key) continue;
            keys.Add(key);
            if (!Tasks.TryGetValue(key, out var ts)) ts = NewTask(key, null);
            if (ts.Status != TaskStatus.Memory) ts.SetStatus(TaskStatus.Memory);
            if (k != null && nbytes?[k] is long n && n >= 0) SetNbytes(ts, n);
            var workers = new List<string>();
            foreach (var w in MsgValues.SetItems(v))
            {
                if (w is not string addr) continue;
                var a = WorkerAddress.Normalize(addr) ?? addr;
                workers.Add(a);
                if (Workers.TryGetValue(a, out var ws)) AddReplica(ts, ws);
            }
            Report(new KeyInMemory(key, Workers: workers), ts);
        }
        if (client != null) ClientDesiresKeys(client, keys);
    }
}
