using Scheduler.Core.Messages;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// The transition table of Dask 2022.12.1 (SchedulerState._TRANSITIONS_TABLE). A transition that is not
// in the table goes through "released". Each transition may recommend further transitions; they are
// processed until none are left.
public sealed partial class SchedulerState
{
    private const int MaxTransitionsPerStimulus = 50_000_000;

    /// <summary>
    /// The worker's report behind a transition out of processing (task-finished, task-erred, or the scheduler's own
    /// account of a task that killed its workers). <paramref name="Cause"/>: for an erred task, the state's key of the task
    /// blamed (the task stream records it; its writer names it in the asker's dialect).
    /// </summary>
    private sealed record WorkerReport(string Worker, TaskReport Message, string? Cause = null);

    private void Transitions(Recommendations recs, string stimulusId)
    {
        int guard = 0;
        while (recs.TryPop(out var ts, out var finish))
        {
            if (++guard > MaxTransitionsPerStimulus)
                throw new InvalidOperationException("transition loop did not settle");
            Transition(ts, finish, stimulusId, recs, null);
        }
    }

    private readonly List<(TaskState Task, TaskStatus Status)> _made = [];

    /// <summary>Runs one transition and records it, with the recommendations it made, in the transition log.</summary>
    private void Transition(TaskState ts, TaskStatus finish, string stimulusId, Recommendations recs, WorkerReport? report)
    {
        var start = ts.Status;
        _made.Clear();
        var outer = recs.Capture;
        recs.Capture = _made;
        try
        {
            TransitionCore(ts, finish, stimulusId, recs, report);
        }
        finally
        {
            recs.Capture = outer;
        }
        if (ts.Status == start && _made.Count == 0) return; // nothing happened (a stale recommendation)
        TransitionLog.Add(TransitionRecord.Create(ts.Key, start, ts.Status, _made, stimulusId, Now));
        if (_liveProgress.Count > 0) NotifyProgress(ts, start);
        if (ts.Computation != null) RecordHistory(ts, report);
    }

    private void TransitionCore(TaskState ts, TaskStatus finish, string stimulusId, Recommendations recs, WorkerReport? report)
    {
        // A task forgotten since it was recommended is gone (Dask: the key is no longer in self.tasks).
        var start = ts.Status;
        if (start == TaskStatus.Forgotten || start == finish) return;

        if (TryDirect(ts, start, finish, stimulusId, recs, report)) { AfterTransition(ts); return; }
        if (start != TaskStatus.Released && finish != TaskStatus.Released)
        {
            var viaReleased = new Recommendations();
            TryDirect(ts, start, TaskStatus.Released, stimulusId, viaReleased, null);
            // Dask lets the first leg redirect the second (e.g. released -> forgotten instead of waiting).
            var second = viaReleased.TryGet(ts, out var redirected) ? redirected : finish;
            if (ts.Status == TaskStatus.Released)
            {
                viaReleased.Remove(ts);
                Merge(recs, viaReleased);
                if (second != TaskStatus.Released && !TryDirect(ts, TaskStatus.Released, second, stimulusId, recs, null))
                    throw new InvalidOperationException($"impossible transition released -> {second.Wire()} for {ts.Key}");
            }
            else if (ts.Status == start && viaReleased.TryGet(ts, out _) && second != start
                     && TryDirect(ts, TaskStatus.Released, second, stimulusId, recs, null))
            {
                // The first leg redirected without leaving its state (memory -> released of an actor whose worker
                // is gone recommends erred): like Dask's _transition, the second leg runs as released -> second.
                viaReleased.Remove(ts);
                Merge(recs, viaReleased);
            }
            else
            {
                Merge(recs, viaReleased);
            }
            AfterTransition(ts);
            return;
        }
        throw new InvalidOperationException($"impossible transition {start.Wire()} -> {finish.Wire()} for {ts.Key} ({stimulusId})");
    }

    private static void Merge(Recommendations into, Recommendations from)
    {
        var pending = new List<(TaskState, TaskStatus)>();
        while (from.TryPop(out var t, out var s)) pending.Add((t, s));
        for (int i = pending.Count - 1; i >= 0; i--) into[pending[i].Item1] = pending[i].Item2;
    }

    private void AfterTransition(TaskState ts)
    {
        if (ts.Status == TaskStatus.Forgotten && ts.Group.AllForgotten && Groups.TryGetValue(ts.Group.Name, out var g) && g == ts.Group)
            Groups.Remove(ts.Group.Name);
    }

    private bool TryDirect(TaskState ts, TaskStatus start, TaskStatus finish, string sid, Recommendations recs, WorkerReport? report)
    {
        switch (start, finish)
        {
            case (TaskStatus.Released, TaskStatus.Waiting): ReleasedWaiting(ts, recs); return true;
            case (TaskStatus.Waiting, TaskStatus.Released): WaitingReleased(ts, recs); return true;
            case (TaskStatus.Waiting, TaskStatus.Processing): WaitingProcessing(ts, sid, recs); return true;
            case (TaskStatus.Waiting, TaskStatus.NoWorker): ts.SetStatus(TaskStatus.NoWorker); Unrunnable.Add(ts); return true;
            case (TaskStatus.Waiting, TaskStatus.Queued): ts.SetStatus(TaskStatus.Queued); Queued.Add(ts); return true;
            case (TaskStatus.Waiting, TaskStatus.Memory): return true; // a race Dask also ignores (see transition_waiting_memory)
            case (TaskStatus.Queued, TaskStatus.Released): Queued.Remove(ts); PropagateReleased(ts, recs); return true;
            case (TaskStatus.Queued, TaskStatus.Processing): QueuedProcessing(ts, sid, recs); return true;
            case (TaskStatus.Processing, TaskStatus.Released): ProcessingReleased(ts, sid, recs); return true;
            case (TaskStatus.Processing, TaskStatus.Memory):
                if (report != null) RecordTaskStream(ts, report);
                ProcessingMemory(ts, recs, report);
                return true;
            case (TaskStatus.Processing, TaskStatus.Erred):
                if (report != null) RecordTaskStream(ts, report);
                ProcessingErred(ts, recs, report);
                return true;
            case (TaskStatus.NoWorker, TaskStatus.Released): NoWorkerReleased(ts); return true;
            case (TaskStatus.NoWorker, TaskStatus.Processing): NoWorkerProcessing(ts, sid, recs); return true;
            case (TaskStatus.Released, TaskStatus.Forgotten): Forget(ts, sid, recs); return true;
            case (TaskStatus.Memory, TaskStatus.Forgotten): Forget(ts, sid, recs); return true;
            case (TaskStatus.Erred, TaskStatus.Released): ErredReleased(ts, sid, recs); return true;
            case (TaskStatus.Memory, TaskStatus.Released): MemoryReleased(ts, sid, recs); return true;
            case (TaskStatus.Released, TaskStatus.Erred): ReleasedErred(ts, recs); return true;
            default: return false;
        }
    }

    private void ReleasedWaiting(TaskState ts, Recommendations recs)
    {
        if (ts.HasLostDependencies) { recs[ts] = TaskStatus.Forgotten; return; }
        ts.SetStatus(TaskStatus.Waiting);
        foreach (var dts in ts.Dependencies)
        {
            if (dts.WhoHas.Count == 0) ts.WaitingOn.Add(dts);
            // A released dependency without a spec yet (a future's key whose graph has not arrived: publish_put
            // can overtake it) waits for its spec; it starts when the graph defining it comes.
            if (dts.Status == TaskStatus.Released && dts.RunSpec != null) recs[dts] = TaskStatus.Waiting;
            else dts.Waiters.Add(ts);
        }
        ts.Waiters.Clear();
        foreach (var dts in ts.Dependents)
            if (dts.Status == TaskStatus.Waiting) ts.Waiters.Add(dts);
        if (ts.WaitingOn.Count == 0) recs[ts] = TaskStatus.Processing;
    }

    private void WaitingReleased(TaskState ts, Recommendations recs)
    {
        foreach (var dts in ts.Dependencies)
        {
            if (dts.Waiters.Remove(ts) && dts.Waiters.Count == 0 && dts.WhoWants.Count == 0)
                recs[dts] = TaskStatus.Released;
        }
        ts.WaitingOn.Clear();
        ts.SetStatus(TaskStatus.Released);
        if (ts.HasLostDependencies) recs[ts] = TaskStatus.Forgotten;
        else if (ts.ExceptionBlame == null && (ts.WhoWants.Count > 0 || ts.Waiters.Count > 0)) recs[ts] = TaskStatus.Waiting;
        else ts.Waiters.Clear();
    }

    private void WaitingProcessing(TaskState ts, string sid, Recommendations recs)
    {
        WorkerState? ws;
        if (IsRootish(ts))
        {
            if (double.IsPositiveInfinity(Config.WorkerSaturation))
            {
                ws = DecideWorkerRootishCoAssign(ts);
                if (ws == null) { recs[ts] = TaskStatus.NoWorker; return; }
            }
            else
            {
                ws = DecideWorkerRootishQueuing(ts);
                if (ws == null) { recs[ts] = TaskStatus.Queued; return; }
            }
        }
        else
        {
            ws = DecideWorkerNonRootish(ts);
            if (ws == null) { recs[ts] = TaskStatus.NoWorker; return; }
        }
        AddToProcessing(ts, ws, sid, recs);
    }

    private void QueuedProcessing(TaskState ts, string sid, Recommendations recs)
    {
        var ws = DecideWorkerRootishQueuing(ts);
        if (ws == null) return; // stays queued
        Queued.Remove(ts);
        AddToProcessing(ts, ws, sid, recs);
    }

    private void NoWorkerProcessing(TaskState ts, string sid, Recommendations recs)
    {
        var ws = DecideWorkerNonRootish(ts);
        if (ws == null) return; // stays no-worker
        Unrunnable.Remove(ts);
        AddToProcessing(ts, ws, sid, recs);
    }

    private void NoWorkerReleased(TaskState ts)
    {
        Unrunnable.Remove(ts);
        ts.SetStatus(TaskStatus.Released);
        foreach (var dts in ts.Dependencies) dts.Waiters.Remove(ts);
        ts.Waiters.Clear();
    }

    private void ProcessingReleased(TaskState ts, string sid, Recommendations recs)
    {
        var ws = ExitProcessing(ts);
        if (ws != null) FreeKeyOn(ws.Address, ts.Key, sid);
        PropagateReleased(ts, recs);
    }

    private void PropagateReleased(TaskState ts, Recommendations recs)
    {
        ts.SetStatus(TaskStatus.Released);
        if (ts.HasLostDependencies) recs[ts] = TaskStatus.Forgotten;
        else if (ts.Waiters.Count > 0 || ts.WhoWants.Count > 0) recs[ts] = TaskStatus.Waiting;

        if (!(recs.TryGet(ts, out var r) && r == TaskStatus.Waiting))
        {
            foreach (var dts in ts.Dependencies)
            {
                if (dts.Status == TaskStatus.Released) continue;
                dts.Waiters.Remove(ts);
                if (dts.Waiters.Count == 0 && dts.WhoWants.Count == 0) recs[dts] = TaskStatus.Released;
            }
            ts.Waiters.Clear();
        }
    }

    private void ProcessingMemory(TaskState ts, Recommendations recs, WorkerReport? report)
    {
        if (report == null || !Workers.TryGetValue(report.Worker, out var ws))
        {
            recs[ts] = TaskStatus.Released;
            return;
        }
        if (ws != ts.ProcessingOn)
            throw new InvalidOperationException($"{ts.Key} finished on {ws.Address} but was processing on {ts.ProcessingOn?.Address}");
        var finished = report.Message as TaskFinished;
        if (report.Message.StartStops is { } startstops)
            foreach (var ss in startstops)
                if (ss is { Action: { } action, Start: { } s, Stop: { } e }) ts.Prefix.AddDuration(action, s, e);
        if (finished?.Nbytes is { } nb) SetNbytes(ts, nb);
        ExitProcessing(ts);
        AddToMemory(ts, ws, recs, finished?.Type, finished?.TypeName);
    }

    private void SetNbytes(TaskState ts, long nbytes)
    {
        long old = ts.Nbytes >= 0 ? ts.Nbytes : 0;
        long diff = nbytes - old;
        foreach (var ws in ts.WhoHas) ws.Nbytes += diff;
        ts.Nbytes = nbytes;
    }

    private void AddToMemory(TaskState ts, WorkerState ws, Recommendations recs, byte[]? type, string? typename)
    {
        AddReplica(ts, ws);
        var deps = ts.Dependents.ToList();
        if (deps.Count > 1) deps.Sort((a, b) => -PriorityComparer.Instance.Compare(a, b));
        foreach (var dts in deps)
        {
            if (dts.WaitingOn.Remove(ts) && dts.WaitingOn.Count == 0) recs[dts] = TaskStatus.Processing;
        }
        foreach (var dts in ts.Dependencies)
        {
            dts.Waiters.Remove(ts);
            if (dts.Waiters.Count == 0 && dts.WhoWants.Count == 0) recs[dts] = TaskStatus.Released;
        }
        if (ts.Waiters.Count == 0 && ts.WhoWants.Count == 0)
        {
            recs[ts] = TaskStatus.Released;
        }
        else
        {
            var report = new KeyInMemory(ts.Key, type);
            foreach (var cs in ts.WhoWants) SendToClient(cs, report);
        }
        ts.SetStatus(TaskStatus.Memory);
        if (type != null) ts.Type = type;
        if (typename != null) ts.TypeName = typename;
        var ff = Clients[FireAndForget];
        if (ff.WantsWhat.Contains(ts)) ClientReleasesKeys(ff, [ts.Key], recs);
    }

    private void MemoryReleased(TaskState ts, string sid, Recommendations recs)
    {
        if (ts.Actor)
        {
            foreach (var w in ts.WhoHas) w.Actors.Remove(ts);
            if (ts.WhoWants.Count > 0)
            {
                ts.ExceptionBlame = ts;
                ts.Exception = "Worker holding Actor was lost";
                ts.ExceptionText = "ValueError('Worker holding Actor was lost')";
                recs[ts] = TaskStatus.Erred;
                return;
            }
        }
        foreach (var w in ts.WhoHas) FreeKeyOn(w.Address, ts.Key, sid);
        RemoveAllReplicas(ts);
        ts.SetStatus(TaskStatus.Released);
        var lost = new KeyLost(ts.Key);
        foreach (var cs in ts.WhoWants) SendToClient(cs, lost);
        if (ts.RunSpec == null || ts.HasLostDependencies) recs[ts] = TaskStatus.Forgotten;
        else if (ts.WhoWants.Count > 0 || ts.Waiters.Count > 0) recs[ts] = TaskStatus.Waiting;
        foreach (var dts in ts.Waiters)
        {
            if (dts.Status is TaskStatus.NoWorker or TaskStatus.Processing) recs[dts] = TaskStatus.Waiting;
            else if (dts.Status == TaskStatus.Waiting) dts.WaitingOn.Add(ts);
        }
    }

    private void ReleasedErred(TaskState ts, Recommendations recs)
    {
        var failing = ts.ExceptionBlame ?? throw new InvalidOperationException($"{ts.Key} erred without blame");
        foreach (var dts in ts.Dependents)
        {
            dts.ExceptionBlame = failing;
            if (dts.WhoHas.Count == 0) recs[dts] = TaskStatus.Erred;
        }
        var msg = TaskErredReport(ts.Key, failing);
        foreach (var cs in ts.WhoWants) SendToClient(cs, msg);
        ts.SetStatus(TaskStatus.Erred);
    }

    private void ErredReleased(TaskState ts, string sid, Recommendations recs)
    {
        ts.Exception = null;
        ts.ExceptionBlame = null;
        ts.Traceback = null;
        ts.ExceptionText = null;
        ts.TracebackText = null;
        foreach (var dts in ts.Dependents)
            if (dts.Status == TaskStatus.Erred) recs[dts] = TaskStatus.Waiting;
        foreach (var w in ts.ErredOn)
            if (Workers.ContainsKey(w)) FreeKeyOn(w, ts.Key, sid);
        ts.ErredOn.Clear();
        var msg = new KeyRetried(ts.Key);
        foreach (var cs in ts.WhoWants) SendToClient(cs, msg);
        ts.SetStatus(TaskStatus.Released);
    }

    private void ProcessingErred(TaskState ts, Recommendations recs, WorkerReport? report)
    {
        if (ts.Actor && ts.ProcessingOn != null) ts.ProcessingOn.Actors.Remove(ts);
        ExitProcessing(ts);
        if (report != null) ts.ErredOn.Add(report.Worker);
        if (report?.Message is TaskErred erred)
        {
            if (erred.Exception != null)
            {
                ts.Exception = erred.Exception;
                ts.ExceptionText = erred.ExceptionText;
            }
            if (erred.Traceback != null)
            {
                ts.Traceback = erred.Traceback;
                ts.TracebackText = erred.TracebackText;
            }
        }
        TaskState failing;
        if (report?.Cause is string cause && Tasks.TryGetValue(cause, out var causeTs)) failing = ts.ExceptionBlame = causeTs;
        else failing = ts.ExceptionBlame ?? (ts.ExceptionBlame = ts);
        foreach (var dts in ts.Dependents)
        {
            dts.ExceptionBlame = failing;
            recs[dts] = TaskStatus.Erred;
        }
        foreach (var dts in ts.Dependencies)
        {
            dts.Waiters.Remove(ts);
            if (dts.Waiters.Count == 0 && dts.WhoWants.Count == 0) recs[dts] = TaskStatus.Released;
        }
        ts.Waiters.Clear();
        ts.SetStatus(TaskStatus.Erred);
        var report2 = TaskErredReport(ts.Key, failing);
        foreach (var cs in ts.WhoWants) SendToClient(cs, report2);
        var ff = Clients[FireAndForget];
        if (ff.WantsWhat.Contains(ts)) ClientReleasesKeys(ff, [ts.Key], recs);
    }

    private void Forget(TaskState ts, string sid, Recommendations recs)
    {
        if (ts.Actor) foreach (var w in ts.WhoHas) w.Actors.Remove(ts);
        // _propagate_forgotten
        ts.SetStatus(TaskStatus.Forgotten);
        if (Metadata.Count > 0)
        {
            // A task's metadata goes with it, under the key as the client named it: a tuple key arrives as the tuple
            // from a 2024.12 client and as its repr from a 2022.12 one.
            var wire = TaskKeys.ToWire(ts.Key);
            Metadata.Remove(wire is TupleKey tk ? tk.Repr : wire);
            if (wire is TupleKey { Items: { Length: > 0 } items }) Metadata.Remove(items);
        }
        foreach (var dts in ts.Dependents)
        {
            dts.HasLostDependencies = true;
            dts.Dependencies.Remove(ts);
            dts.WaitingOn.Remove(ts);
            if (dts.Status is not (TaskStatus.Memory or TaskStatus.Erred)) recs[dts] = TaskStatus.Forgotten;
        }
        ts.Dependents.Clear();
        ts.Waiters.Clear();
        foreach (var dts in ts.Dependencies)
        {
            dts.Dependents.Remove(ts);
            dts.Waiters.Remove(ts);
            if (dts.Dependents.Count == 0 && dts.WhoWants.Count == 0) recs[dts] = TaskStatus.Forgotten;
        }
        ts.Dependencies.Clear();
        ts.WaitingOn.Clear();
        foreach (var w in ts.WhoHas)
            if (Workers.ContainsKey(w.Address)) FreeKeyOn(w.Address, ts.Key, sid);
        RemoveAllReplicas(ts);
        // Clients still holding the key learn it is gone.
        if (ts.WhoWants.Count > 0)
        {
            var cancelled = new KeyCancelled(ts.Key);
            foreach (var cs in ts.WhoWants) SendToClient(cs, cancelled);
        }
        // _remove_key
        Tasks.Remove(ts.Key);
        Unrunnable.Remove(ts);
        foreach (var cs in ts.WhoWants) cs.WantsWhat.Remove(ts);
        ts.WhoWants.Clear();
        ts.ProcessingOn = null;
        ts.ExceptionBlame = null;
        ts.Exception = null;
        ts.Traceback = null;
    }

    private static KeyErred TaskErredReport(string key, TaskState failing) => new(key, failing.Exception, failing.Traceback);

    private static double? ToDouble(object? o) => o switch
    {
        double d => d,
        long l => l,
        ulong u => u,
        _ => null,
    };
}
