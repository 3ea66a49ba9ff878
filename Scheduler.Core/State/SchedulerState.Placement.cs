using Microsoft.Extensions.Logging;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;
using Scheduler.Core.Messages;
using Scheduler.Core.Pickle;
using Scheduler.Core.Protocol.Dialects;

namespace Scheduler.Core.State;

// Choosing workers (Dask 2022.12.1 decide_worker_*), processing bookkeeping and replicas.
public sealed partial class SchedulerState
{
    public double TotalOccupancy { get; private set; }

    /// <summary>
    /// Whether the workers speak more than one Dask version, and which one they speak when they all speak one. A task
    /// runs only on workers of its client's version (its run spec is in that version's form), as if restricted to
    /// them: it is fenced unless every worker speaks its version. A task whose version no worker speaks waits in
    /// no-worker, as a task whose restrictions no worker meets does, until one of its version arrives.
    /// </summary>
    private bool _mixedDialects;
    private DaskDialect? _soleDialect;

    private void UpdateMixedDialects()
    {
        _soleDialect = null;
        _mixedDialects = false;
        foreach (var ws in Workers.Values)
        {
            if (_soleDialect == null) _soleDialect = ws.Dialect;
            else if (ws.Dialect != _soleDialect) { _mixedDialects = true; _soleDialect = null; return; }
        }
    }

    private bool IsFenced(TaskState ts) =>
        ts.Dialect != null && (_mixedDialects || (_soleDialect != null && _soleDialect != ts.Dialect));

    private bool Fits(TaskState ts, WorkerState ws) => !IsFenced(ts) || ws.Dialect == ts.Dialect;

    /// <summary>
    /// Tasks in no-worker only because no running worker speaks their Dask version, by version: what the dashboard
    /// shows as the reason they wait.
    /// </summary>
    public IReadOnlyList<(DaskDialect Dialect, int Tasks)> WaitingForDialect()
    {
        if (Unrunnable.Count == 0 || (!_mixedDialects && _soleDialect == null)) return [];
        var spoken = new HashSet<DaskDialect>();
        foreach (var ws in Running) spoken.Add(ws.Dialect);
        var waiting = new Dictionary<DaskDialect, int>();
        foreach (var ts in Unrunnable)
            if (ts.Dialect is { } d && IsFenced(ts) && !spoken.Contains(d))
                waiting[d] = waiting.GetValueOrDefault(d) + 1;
        return waiting.Select(kv => (kv.Key, kv.Value)).OrderBy(w => w.Key.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>Running workers of the task's Dask version.</summary>
    private HashSet<WorkerState> DialectWorkers(TaskState ts)
    {
        var result = new HashSet<WorkerState>();
        foreach (var ws in Running) if (ws.Dialect == ts.Dialect) result.Add(ws);
        return result;
    }

    /// <summary>Root-ish: a large group (more than twice the threads) with few, small dependency groups.</summary>
    private bool IsRootish(TaskState ts)
    {
        if (ts.HasRestrictions || IsFenced(ts)) return false;
        var tg = ts.Group;
        if (tg.Count <= TotalNThreads * 2 || tg.Dependencies.Count >= 5) return false;
        int sum = 0;
        foreach (var g in tg.Dependencies) sum += g.Count;
        return sum < 5;
    }

    /// <summary>Free task slots on a worker under worker-saturation (root tasks only).</summary>
    private int TaskSlotsAvailable(WorkerState ws)
    {
        if (double.IsPositiveInfinity(Config.WorkerSaturation)) return int.MaxValue;
        int slots = Math.Max((int)Math.Ceiling(Config.WorkerSaturation * ws.NThreads), 1);
        return slots - (ws.Processing.Count - ws.LongRunning.Count);
    }

    private WorkerState? DecideWorkerRootishQueuing(TaskState ts)
    {
        WorkerState? best = null;
        double bestLoad = double.MaxValue;
        foreach (var ws in Workers.Values)
        {
            if (!ws.IsRunning || TaskSlotsAvailable(ws) <= 0 || !Fits(ts, ws)) continue;
            double load = (double)ws.Processing.Count / Math.Max(ws.NThreads, 1);
            if (load < bestLoad) { best = ws; bestLoad = load; }
        }
        return best;
    }

    /// <summary>
    /// worker-saturation = inf (no queuing): sibling root tasks go to the same worker in runs sized to its
    /// share of the cluster's threads, so that tasks reduced together start together (Dask's
    /// decide_worker_rootish_queuing_disabled).
    /// </summary>
    private WorkerState? DecideWorkerRootishCoAssign(TaskState ts)
    {
        var pool = Workers.Values.Where(w => w.IsRunning && Fits(ts, w) && IsUnoccupied(w)).ToList();
        if (pool.Count == 0) pool = Workers.Values.Where(w => w.IsRunning && Fits(ts, w)).ToList();
        if (pool.Count == 0) return null;
        var tg = ts.Group;
        var last = tg.LastWorker;
        WorkerState ws;
        if (last != null && tg.LastWorkerTasksLeft > 0 && last.IsRunning && Workers.TryGetValue(last.Address, out var cur) && cur == last)
        {
            ws = last;
        }
        else
        {
            ws = pool[0];
            var best = WorkerObjective(ts, ws);
            foreach (var w in pool)
            {
                var score = WorkerObjective(ts, w);
                if (score.CompareTo(best) < 0) { ws = w; best = score; }
            }
            tg.LastWorkerTasksLeft = (long)Math.Floor((double)tg.Count / Math.Max(TotalNThreads, 1) * ws.NThreads);
        }
        tg.LastWorker = tg.CountIn(TaskStatus.Released) + tg.CountIn(TaskStatus.Waiting) > 1 ? ws : null;
        tg.LastWorkerTasksLeft--;
        return ws;
    }

    private bool IsUnoccupied(WorkerState ws)
    {
        if (ws.Processing.Count < ws.NThreads) return true;
        double avg = TotalNThreads > 0 ? TotalOccupancy / TotalNThreads : 0;
        return ws.Occupancy < ws.NThreads * avg / 2;
    }

    private WorkerState? DecideWorkerNonRootish(TaskState ts)
    {
        if (Running.Count == 0) return null;
        var valid = ValidWorkers(ts);
        if (ts.Dependencies.Count > 0 || valid != null)
            return DecideWorker(ts, valid);

        // No dependencies, no restrictions: the least occupied idle worker, round robin among idle ones.
        var pool = new List<WorkerState>();
        foreach (var ws in Workers.Values)
            if (ws.IsRunning && IsUnoccupied(ws)) pool.Add(ws);
        if (pool.Count == 0)
            foreach (var ws in Workers.Values)
                if (ws.IsRunning) pool.Add(ws);
        if (pool.Count == 0) return null;
        if (pool.Count >= 20) return pool[(int)(TaskCounter % pool.Count)];
        var best = pool[0];
        foreach (var ws in pool) if (ws.Occupancy < best.Occupancy) best = ws;
        if (best.Occupancy == 0)
        {
            int start = (int)(TaskCounter % pool.Count);
            for (int i = 0; i < pool.Count; i++)
            {
                var w = pool[(i + start) % pool.Count];
                if (w.Occupancy == 0) return w;
            }
        }
        return best;
    }

    /// <summary>Workers satisfying the task's restrictions; null when every running worker is valid.</summary>
    private HashSet<WorkerState>? ValidWorkers(TaskState ts)
    {
        HashSet<string>? s = null;
        if (ts.WorkerRestrictions is { Count: > 0 })
            s = ts.WorkerRestrictions.Where(Workers.ContainsKey).ToHashSet();
        if (ts.HostRestrictions is { Count: > 0 })
        {
            var byHost = new HashSet<string>();
            foreach (var h in ts.HostRestrictions)
            {
                var host = Aliases.TryGetValue(h, out var alias) && Workers.TryGetValue(alias, out var aw) ? aw.Host : h;
                foreach (var ws in Workers.Values) if (ws.Host == host) byHost.Add(ws.Address);
            }
            if (s == null) s = byHost; else s.UnionWith(byHost);
        }
        if (ts.ResourceRestrictions is { Count: > 0 } rr)
        {
            var ok = new HashSet<string>();
            foreach (var ws in Workers.Values)
            {
                bool fits = true;
                foreach (var (name, required) in rr)
                {
                    double need = ToDouble(required) ?? 0;
                    double have = name is string n && ws.Resources[n] is { } v ? ToDouble(v) ?? 0 : 0;
                    if (name is not string || !ws.Resources.ContainsKey(name) || have < need) { fits = false; break; }
                }
                if (fits) ok.Add(ws.Address);
            }
            if (s == null) s = ok; else s.IntersectWith(ok);
        }
        if (s == null) return IsFenced(ts) ? DialectWorkers(ts) : null;
        var result = new HashSet<WorkerState>();
        foreach (var a in s)
            if (Workers.TryGetValue(a, out var ws) && ws.IsRunning && Fits(ts, ws)) result.Add(ws);
        return result;
    }

    private WorkerState? DecideWorker(TaskState ts, HashSet<WorkerState>? valid)
    {
        HashSet<WorkerState> candidates;
        if (ts.Actor) candidates = [.. Running];
        else
        {
            candidates = [];
            foreach (var dts in ts.Dependencies)
                foreach (var w in dts.WhoHas) if (w.IsRunning) candidates.Add(w);
        }
        if (valid == null)
        {
            if (candidates.Count == 0) candidates = [.. Running];
        }
        else
        {
            candidates.IntersectWith(valid);
            if (candidates.Count == 0)
            {
                candidates = valid;
                // Loose restrictions allow any worker, of the task's own Dask version.
                if (candidates.Count == 0 && ts.LooseRestrictions)
                {
                    if (!IsFenced(ts)) return DecideWorker(ts, null);
                    candidates = DialectWorkers(ts);
                }
            }
        }
        if (candidates.Count == 0) return null;
        if (candidates.Count == 1) return candidates.First();
        return BestByObjective(ts, candidates);
    }

    /// <summary>The worker with the smallest <see cref="WorkerObjective"/>; ties go to the first address, so every run
    /// resolves them the same way.</summary>
    private WorkerState? BestByObjective(TaskState ts, IEnumerable<WorkerState> candidates)
    {
        WorkerState? best = null;
        (double, double, double) bestScore = default;
        foreach (var ws in candidates.OrderBy(w => w.Address, StringComparer.Ordinal))
        {
            var score = WorkerObjective(ts, ws);
            if (best == null || score.CompareTo(bestScore) < 0) { best = ws; bestScore = score; }
        }
        return best;
    }

    /// <summary>Estimated start time (backlog plus transfers), then stored bytes; actors spread by count.</summary>
    private (double, double, double) WorkerObjective(TaskState ts, WorkerState ws)
    {
        long commBytes = 0;
        foreach (var dts in ts.Dependencies)
            if (!dts.WhoHas.Contains(ws)) commBytes += GetNbytes(dts);
        double start = ws.Occupancy / Math.Max(ws.NThreads, 1) + commBytes / Config.Bandwidth;
        return ts.Actor ? (ws.Actors.Count, start, ws.Nbytes) : (start, ws.Nbytes, 0);
    }

    /// <param name="recs">Null where Dask does not check the task's inputs against the worker's memory (a steal).</param>
    private void AddToProcessing(TaskState ts, WorkerState ws, string? sid = null, Recommendations? recs = null)
    {
        double duration = GetTaskDuration(ts);
        long commBytes = 0;
        foreach (var dts in ts.Dependencies)
            if (!dts.WhoHas.Contains(ws)) commBytes += GetNbytes(dts);
        double cost = duration + commBytes / Config.Bandwidth;
        ws.Processing[ts] = cost;
        ws.Occupancy += cost;
        TotalOccupancy += cost;
        ts.ProcessingOn = ws;
        ts.SetStatus(TaskStatus.Processing);
        if (ts.ResourceRestrictions != null)
            foreach (var (name, amount) in ts.ResourceRestrictions)
                if (name is string n) ws.UsedResources[n] = ws.UsedResources.GetValueOrDefault(n) + (ToDouble(amount) ?? 0);
        TaskCounter++;
        if (ts.Actor) ws.Actors.Add(ts);
        if (recs != null && RefuseOverMemoryLimit(ts, ws, sid!, recs)) return;
        SendToWorker(ws, TaskToMessage(ts, duration));
    }

    /// <summary>
    /// Dask 2024.12's crude guard against order-of-magnitude mistakes (_add_to_processing): a task whose inputs alone
    /// exceed the worker's memory_limit would only kill it, so it errs with a MemoryError and never reaches the worker.
    /// </summary>
    private bool RefuseOverMemoryLimit(TaskState ts, WorkerState ws, string sid, Recommendations recs)
    {
        if (ts.Dialect is not { RefusesTasksOverMemoryLimit: true } || ws.MemoryLimit <= 0 || !Config.MemoryTerminate) return false;
        long inputs = 0;
        foreach (var dts in ts.Dependencies) inputs += dts.Nbytes;
        if (inputs <= ws.MemoryLimit) return false;
        var text = $"Task {TaskKeys.Repr(ts.Key)} has {PyFormat.Bytes(inputs)} worth of input dependencies, but worker {ws.Address} " +
                   $"has memory_limit set to {PyFormat.Bytes(ws.MemoryLimit)}.";
        if (ts.Prefix.Name == "finalize")
            text += " It seems like you called client.compute() on a huge collection. Consider writing to distributed storage or slicing/reducing first.";
        _log.LogError("{Message}", text);
        var report = new TaskErred(ts.Key, sid, RunId: null, Pickle.SchedulerExceptions.Builtin("MemoryError", text), "MemoryError: " + text,
            Traceback: null, TracebackText: null, StartStops: null, Report: null);
        Transition(ts, TaskStatus.Erred, sid, recs, new WorkerReport(ws.Address, report, Cause: ts.Key));
        return true;
    }

    /// <summary>Removes the task from its worker's processing; returns the worker if it is still current.</summary>
    private WorkerState? ExitProcessing(TaskState ts)
    {
        var ws = ts.ProcessingOn;
        ts.ProcessingOn = null;
        if (ws == null) return null;
        if (_stealsInFlight.Count > 0) DropSteal(ts);
        if (ws.Processing.Remove(ts, out var cost))
        {
            if (!ws.LongRunning.Remove(ts))
            {
                ws.Occupancy -= cost;
                TotalOccupancy -= cost;
            }
            if (ws.Processing.Count == 0)
            {
                // Clear float drift: an idle worker has exactly zero backlog.
                TotalOccupancy -= ws.Occupancy;
                ws.Occupancy = 0;
            }
        }
        if (!Workers.TryGetValue(ws.Address, out var current) || current != ws) return null;
        if (ts.ResourceRestrictions != null)
            foreach (var (name, amount) in ts.ResourceRestrictions)
                if (name is string n) ws.UsedResources[n] = ws.UsedResources.GetValueOrDefault(n) - (ToDouble(amount) ?? 0);
        return ws;
    }

    private ComputeTask TaskToMessage(TaskState ts, double duration)
    {
        var dependencies = ts.Dependencies.Count == 0 ? [] : new KeyReplicas[ts.Dependencies.Count];
        int d = 0;
        foreach (var dts in ts.Dependencies)
        {
            string[] holders;
            if (dts.WhoHas.Count == 1)
            {
                holders = null!;
                foreach (var w in dts.WhoHas) holders = w.AsHolders;
            }
            else
            {
                holders = new string[dts.WhoHas.Count];
                int i = 0;
                foreach (var w in dts.WhoHas) holders[i++] = w.Address;
            }
            dependencies[d++] = new KeyReplicas(dts.Key, holders, dts.BoxedNbytes);
        }
        // Every dispatch is a new run: a 2024.12 worker echoes the id, and a report of an earlier run is stale.
        ts.RunId = _nextRunId++;
        return new ComputeTask(ts.Key, ts.Priority, duration, ComputeStimulusId(), dependencies, ts.RunSpec,
            ts.ResourceRestrictions, ts.Actor, ts.Annotations, ts.RunId, SpanId: null);
    }

    private long _nextRunId;

    private double _computeStimulusTime = double.NaN;
    private string _computeStimulusId = "";

    /// <summary>"compute-task-{now}": every task sent in one stimulus shares it, so it is formatted once.</summary>
    private string ComputeStimulusId()
    {
        if (Now != _computeStimulusTime)
        {
            _computeStimulusTime = Now;
            _computeStimulusId = StimulusId("compute-task", Now);
        }
        return _computeStimulusId;
    }

    private static void AddReplica(TaskState ts, WorkerState ws)
    {
        if (ts.WhoHas.Add(ws))
        {
            ws.HasWhat.Add(ts);
            ws.Nbytes += Math.Max(ts.Nbytes, 0);
        }
    }

    private static void RemoveReplica(TaskState ts, WorkerState ws)
    {
        if (ts.WhoHas.Remove(ws))
        {
            ws.HasWhat.Remove(ts);
            ws.Nbytes -= Math.Max(ts.Nbytes, 0);
        }
    }

    private static void RemoveAllReplicas(TaskState ts)
    {
        foreach (var ws in ts.WhoHas)
        {
            ws.HasWhat.Remove(ts);
            ws.Nbytes -= Math.Max(ts.Nbytes, 0);
        }
        ts.WhoHas.Clear();
    }

    private readonly List<TaskState> _queuedScratch = [];

    /// <summary>After slots may have opened: move as many queued tasks to processing as there are free slots.</summary>
    private void QueueSlotsMaybeOpened(string sid)
    {
        if (Queued.Count == 0) return;
        long slots = 0;
        foreach (var ws in Workers.Values)
            if (ws.IsRunning) slots += Math.Max(0, TaskSlotsAvailable(ws));
        if (slots == 0) return;
        var recs = new Recommendations(1);
        if (slots == 1)
        {
            // The usual case, one task finished: the best queued task, without enumerating the sorted set.
            recs[Queued.Min!] = TaskStatus.Processing;
        }
        else
        {
            // Recommendations run last-in first-out: add in reverse priority order so the best runs first.
            var take = _queuedScratch;
            int n = (int)Math.Min(slots, Queued.Count);
            foreach (var ts in Queued)
            {
                if (take.Count == n) break;
                take.Add(ts);
            }
            for (int i = take.Count - 1; i >= 0; i--) recs[take[i]] = TaskStatus.Processing;
            take.Clear();
        }
        Transitions(recs, sid);
    }

    /// <summary>A worker became available: every no-worker task it can run is retried, best priority first.</summary>
    private Recommendations BulkScheduleUnrunnable(WorkerState ws)
    {
        var runnable = new List<TaskState>();
        foreach (var ts in Unrunnable)
        {
            var valid = ValidWorkers(ts);
            if (valid == null || valid.Contains(ws)) runnable.Add(ts);
        }
        runnable.Sort((a, b) => -PriorityComparer.Instance.Compare(a, b));
        var recs = new Recommendations();
        foreach (var ts in runnable) recs[ts] = TaskStatus.Processing;
        return recs;
    }
}
