using Microsoft.Extensions.Logging;
using Scheduler.Core.Messages;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Pickle;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// Worker registration, the worker stream ops, heartbeats and worker loss.
public sealed partial class SchedulerState
{
    /// <summary>Heartbeat interval Dask asks of workers for a cluster of this size.</summary>
    public double HeartbeatInterval => Workers.Count switch
    {
        <= 10 => 0.5,
        < 50 => 1,
        < 200 => 2,
        _ => Workers.Count / 200.0 + 1,
    };

    private void OnWorkerConnected(WorkerConnected w)
    {
        var reg = w.Registration;
        var address = reg.Address;
        var name = reg.Name ?? address;
        var sid = reg.StimulusId ?? StimulusId("worker-connect", Now);
        WorkerRefused Error(string text) => new(text, Now);
        if (address == null)
        {
            Emit(new WorkerRegistration(w.ConnId, "", Error("register-worker without an address")));
            return;
        }
        if (Workers.ContainsKey(address))
        {
            Emit(new WorkerRegistration(w.ConnId, address, Error($"Worker already exists {address}")));
            return;
        }
        if (reg.KeysInMemory > 0)
        {
            Emit(new WorkerRegistration(w.ConnId, address,
                Error($"Worker '{address}' connected with {reg.KeysInMemory} key(s) in memory! Worker reconnection is not supported.")));
            return;
        }
        if (name != null && Aliases.ContainsKey(name))
        {
            _log.LogWarning("worker tried to connect with a duplicate name: {Name}", name);
            Emit(new WorkerRegistration(w.ConnId, address, Error($"name taken, {MsgDebug.Format(name)}")));
            return;
        }
        var ws = new WorkerState(address)
        {
            LocalDirectory = reg.LocalDirectory,
            Services = reg.Services,
            Extra = reg.Extra,
            Versions = reg.Versions,
            Name = name,
            NThreads = (int)(reg.NThreads ?? 1),
            MemoryLimit = reg.MemoryLimit ?? 0,
            Nanny = reg.Nanny,
            ServerId = reg.ServerId,
            Resources = reg.Resources ?? new MsgMap(),
            Status = reg.Status ?? "init",
            Metrics = reg.Metrics,
            MemoryReading = reg.Memory ?? default,
            LastSeen = Now,
            Dialect = w.Dialect,
        };
        Workers[address] = ws;
        UpdateMixedDialects();
        if (name != null) Aliases[name] = address;
        TotalNThreads += ws.NThreads;
        if (ws.IsRunning) Running.Add(ws);
        LogEvent([address], new WorkerAdded(address, UnderOwnTopic: true));
        LogEvent(["all"], new WorkerAdded(address, UnderOwnTopic: false));
        RecordWorkerJoined(ws);

        Emit(new WorkerRegistration(w.ConnId, address, new WorkerAccepted(Now, HeartbeatInterval, WorkerPlugins.Copy())));
        _log.LogInformation("register worker {Address} ({Threads} threads)", address, ws.NThreads);
        if (ws.IsRunning)
        {
            Transitions(BulkScheduleUnrunnable(ws), sid);
            QueueSlotsMaybeOpened(sid);
        }
    }

    private void OnWorkerDisconnected(WorkerDisconnected w)
    {
        if (Workers.ContainsKey(w.Worker))
            RemoveWorker(w.Worker, StimulusId("handle-worker-cleanup", Now), close: false);
    }

    private void OnWorkerOp(WorkerStreamOp w)
    {
        if (!Workers.TryGetValue(w.Worker, out var ws)) return;
        ws.LastSeen = Now;
        // The worker's stimulus id when it sent one, else ours for this op.
        string Sid(string? sent) => sent ?? StimulusId(w.Op, Now);
        switch (w.Message)
        {
            case TaskFinished f: OnTaskFinished(ws, f, Sid(f.StimulusId)); break;
            case TaskErred e: OnTaskErred(ws, e, Sid(e.StimulusId)); break;
            case ReleaseWorkerData r:
                if (r.Key is { } rk && Tasks.TryGetValue(rk, out var rts) && rts.WhoHas.Contains(ws))
                {
                    RemoveReplica(rts, ws);
                    if (rts.WhoHas.Count == 0)
                    {
                        var recs = new Recommendations();
                        recs[rts] = TaskStatus.Released;
                        Transitions(recs, Sid(r.StimulusId));
                    }
                }
                break;
            case KeysAdded a: AddKeys(ws, a.Keys, Sid(a.StimulusId)); break;
            case TaskLongRunning l: OnLongRunning(ws, l, Sid(l.StimulusId)); break;
            case Reschedule r:
                if (r.Key is { } k && Tasks.TryGetValue(k, out var ts)
                    && ts.Status == TaskStatus.Processing && ts.ProcessingOn == ws)
                {
                    var recs = new Recommendations();
                    recs[ts] = TaskStatus.Released;
                    Transitions(recs, Sid(r.StimulusId));
                }
                break;
            case WorkerStatusChanged c: WorkerStatusChange(ws, c.Status, Sid(c.StimulusId)); break;
            case RequestRefreshWhoHas q:
                {
                    var sid = Sid(q.StimulusId);
                    var whoHas = new List<KeyHolders>();
                    var free = new List<string>();
                    foreach (var key in q.Keys)
                    {
                        if (Tasks.TryGetValue(key, out var t)) whoHas.Add(new KeyHolders(key, t.WhoHas.Select(h => h.Address).ToArray()));
                        else free.Add(key);
                    }
                    if (whoHas.Count > 0) SendToWorker(ws, new RefreshWhoHas(whoHas, sid));
                    // One free-keys message for all of them, after the refresh.
                    foreach (var key in free) FreeKeyOn(ws.Address, key, sid);
                    break;
                }
            case WorkerLogEvent e:
                LogEvent(e.Topics, new WorkerPeerEvent(e.Event, ws.Address));
                break;
            case KeepAlive: break;
            case StealResponse r: OnStealResponse(r); break;
            default:
                if (TryExtensionWorkerOp(ws.Address, w)) break;
                if (_unknownOpsLogged.Add("worker:" + w.Op))
                    _log.LogWarning("ignoring unknown worker stream op {Op} from {Worker}", w.Op, w.Worker);
                break;
        }
    }

    private void OnTaskFinished(WorkerState ws, TaskFinished report, string sid)
    {
        if (report.Key is not { } key) return;
        var recs = new Recommendations();
        if (!Tasks.TryGetValue(key, out var ts) || ts.Status is TaskStatus.Released or TaskStatus.Queued)
        {
            LogStaleReport("task-finished", key, ws, ts, sid);
            FreeKeyOn(ws.Address, key, sid);
        }
        else if (IsOtherRun(ts, report))
        {
            // A 2024.12 worker reporting a dispatch we have since replaced: from the worker running the task now, the
            // task runs again; from any other, the report is dropped (Dask's "Received stale task run").
            LogStaleReport("task-finished", key, ws, ts, sid);
            if (ts.Status == TaskStatus.Processing && ts.ProcessingOn == ws) recs[ts] = TaskStatus.Released;
        }
        else if (ts.Status == TaskStatus.Memory)
        {
            AddKeys(ws, [key], sid);
        }
        else if (ts.Status == TaskStatus.Processing && ts.ProcessingOn == ws)
        {
            Transition(ts, TaskStatus.Memory, sid, recs, new WorkerReport(ws.Address, report));
        }
        else
        {
            // A stale report (from a worker we moved the task away from, or about a task that erred or was
            // forgotten meanwhile): nothing is applied; the worker drops the copy we do not track.
            LogStaleReport("task-finished", key, ws, ts, sid);
            FreeKeyOn(ws.Address, key, sid);
        }
        Transitions(recs, sid);
        QueueSlotsMaybeOpened(sid);
    }

    private void LogStaleReport(string op, string key, WorkerState ws, TaskState? ts, string sid) =>
        _log.LogInformation("ignoring stale {Op} for {Key} from {Worker} (stimulus {Stimulus}): the task is {State}{Where}",
            op, key, ws.Address, sid, ts?.Status.Wire() ?? "unknown",
            ts?.ProcessingOn is { } on && on != ws ? $" on {on.Address}" : "");

    /// <summary>Whether a worker's report names a run (2024.12 workers do) other than the task's latest dispatch.</summary>
    private static bool IsOtherRun(TaskState ts, TaskReport report) => report.RunId is { } runId && runId != ts.RunId;

    private void OnTaskErred(WorkerState ws, TaskErred report, string sid)
    {
        if (report.Key is not { } key) return;
        if (!Tasks.TryGetValue(key, out var ts) || ts.Status != TaskStatus.Processing || ts.ProcessingOn != ws)
        {
            LogStaleReport("task-erred", key, ws, ts, sid);
            return;
        }
        var recs = new Recommendations();
        if (IsOtherRun(ts, report))
        {
            LogStaleReport("task-erred", key, ws, ts, sid);
            recs[ts] = TaskStatus.Released;
        }
        else if (ts.Retries > 0)
        {
            ts.Retries--;
            Transition(ts, TaskStatus.Waiting, sid, recs, null);
        }
        else
        {
            Transition(ts, TaskStatus.Erred, sid, recs, new WorkerReport(ws.Address, report, Cause: key));
        }
        Transitions(recs, sid);
        QueueSlotsMaybeOpened(sid);
    }

    private void AddKeys(WorkerState ws, IReadOnlyList<string> keys, string sid)
    {
        var redundant = new List<string>();
        foreach (var key in keys)
        {
            if (Tasks.TryGetValue(key, out var ts) && ts.Status == TaskStatus.Memory) AddReplica(ts, ws);
            else redundant.Add(key);
        }
        if (redundant.Count > 0)
            SendToWorker(ws, new RemoveReplicas(redundant, sid));
    }

    private void OnLongRunning(WorkerState ws, TaskLongRunning report, string sid)
    {
        if (report.Key is not { } key || !Tasks.TryGetValue(key, out var ts)) return;
        if (ts.ProcessingOn != ws) return;
        if (report.ComputeDuration is { } d)
        {
            var old = ts.Prefix.DurationAverage;
            ts.Prefix.DurationAverage = old < 0 ? d : (old + d) / 2;
        }
        if (ws.LongRunning.Add(ts) && ws.Processing.TryGetValue(ts, out var cost))
        {
            ws.Occupancy -= cost;
            TotalOccupancy -= cost;
        }
        QueueSlotsMaybeOpened(sid);
    }

    private void WorkerStatusChange(WorkerState ws, string? status, string sid)
    {
        if (status == null || status == ws.Status) return;
        var prev = ws.Status;
        ws.Status = status;
        LogEvent([ws.Address], new WorkerStatusChange(prev, status));
        if (ws.IsRunning)
        {
            Running.Add(ws);
            Transitions(BulkScheduleUnrunnable(ws), sid);
            QueueSlotsMaybeOpened(sid);
        }
        else
        {
            Running.Remove(ws);
        }
    }

    /// <summary>
    /// Dask's heartbeat bookkeeping of unmanaged memory: keep the readings of the last recent-to-old-time seconds;
    /// their minimum is the "old" unmanaged memory that optimistic memory (rebalance's default measure) counts.
    /// </summary>
    private void TrackUnmanagedMemory(WorkerState ws, MemoryReading memory)
    {
        double oldest = Now - Config.MemoryRecentToOldTime;
        while (ws.UnmanagedHistory.Count > 0 && ws.UnmanagedHistory.Peek().Time < oldest) ws.UnmanagedHistory.Dequeue();
        long size = Math.Max(0, memory.Process - ws.Nbytes + memory.SpilledInMemory);
        ws.UnmanagedHistory.Enqueue((Now, size));
        long min = long.MaxValue;
        foreach (var (_, recent) in ws.UnmanagedHistory) min = Math.Min(min, recent);
        ws.UnmanagedOld = min;
    }

    /// <summary>Dask's remove_worker: its tasks are rescheduled, its data is lost (and recomputed if possible).</summary>
    /// <param name="safe">An expected removal (retire_workers): its running tasks do not count as suspicious.</param>
    private void RemoveWorker(string address, string sid, bool close, bool safe = false)
    {
        if (!Workers.TryGetValue(address, out var ws)) return;
        _log.LogInformation("remove worker {Address}", address);
        LogEvent([address], new WorkerRemoved(address, UnderOwnTopic: true));
        LogEvent(["all"], new WorkerRemoved(address, UnderOwnTopic: false));
        RecordWorkerLeft(address, sid);
        if (close)
        {
            SendToWorker(ws, new CloseWorker("scheduler-remove-worker"));
            Emit(new CloseWorkerStream(address));
        }
        Emit(new DropWorkerComms(address));
        TotalNThreads -= ws.NThreads;
        if (ws.Name != null && Aliases.TryGetValue(ws.Name, out var aliased) && aliased == address) Aliases.Remove(ws.Name);
        Workers.Remove(address);
        UpdateMixedDialects();
        Running.Remove(ws);
        ws.Status = "closed";
        TotalOccupancy -= ws.Occupancy;
        // Workers stop fetching from the one that left (2024.12's; a 2022.12 worker's writer sends nothing: it learns
        // when a fetch fails).
        if (Workers.Count > 0)
        {
            var notice = new PeerRemoved(address, sid);
            foreach (var other in Workers.Values) SendToWorker(other, notice);
        }

        var recs = new Recommendations();
        foreach (var ts in ws.Processing.Keys.ToList())
        {
            recs[ts] = TaskStatus.Released;
            if (safe) continue;
            ts.Suspicious++;
            ts.Prefix.Suspicious++;
            if (ts.Suspicious > Config.AllowedFailures)
            {
                recs.Remove(ts);
                var exc = SchedulerExceptions.KilledWorker(ts.Key, address, ws.Name, Config.AllowedFailures);
                // The scheduler's own report of the task, as if the last worker had sent it: no timings to record.
                var report = new TaskErred(ts.Key, sid, RunId: null, exc,
                    $"KilledWorker: Attempted to run task {ts.Key} on {Config.AllowedFailures} different workers, but all those workers died while running it.",
                    Traceback: null, TracebackText: null, StartStops: null, Report: null);
                _log.LogInformation("task {Key} marked as failed because {N} workers died while trying to run it", ts.Key, Config.AllowedFailures);
                Transition(ts, TaskStatus.Erred, sid, recs, new WorkerReport(address, report, Cause: ts.Key));
            }
        }
        foreach (var ts in ws.HasWhat.ToList())
        {
            RemoveReplica(ts, ws);
            if (ts.WhoHas.Count == 0)
                recs[ts] = ts.RunSpec != null ? TaskStatus.Released : TaskStatus.Forgotten;
        }
        Transitions(recs, sid);
        if (Workers.Count == 0) _log.LogInformation("lost all workers");
    }

    /// <summary>Ticks handled (Dask's _tick_counter) and the time since the previous one (its tick_duration).</summary>
    public long TickCount { get; private set; }
    private double _lastTick;
    private double _lastTickDuration;

    /// <summary>The longest tick duration now: the last one, or the time since the last tick if the loop is late.</summary>
    public double TickDurationMax => TickCount == 0 ? 0 : Math.Max(_lastTickDuration, Now - _lastTick);

    private void OnTick()
    {
        if (TickCount++ > 0) _lastTickDuration = Now - _lastTick;
        _lastTick = Now;
        if (Config.WorkerTtl is { } ttl)
        {
            // Twice a second over every worker: the list is made only when one has gone silent (1,000 idle
            // workers would otherwise copy the worker table on every tick).
            double limit = Math.Max(ttl, 10 * HeartbeatInterval);
            List<WorkerState>? silent = null;
            foreach (var ws in Workers.Values)
                if (Now - ws.LastSeen > limit) (silent ??= []).Add(ws);
            if (silent != null)
                foreach (var ws in silent)
                {
                    _log.LogWarning("worker {Address} failed to heartbeat within {Ttl} s, closing", ws.Address, ttl);
                    RemoveWorker(ws.Address, StimulusId("check-worker-ttl", Now), close: true);
                }
        }
        RetryPendingScatters();
        RetryPendingCancels();
        if (Config.WorkStealing) BalanceWork();
        if (Config.ClientTtl is { } clientTtl) RemoveSilentClients(clientTtl);
    }
}
