using Microsoft.Extensions.Logging;
using Scheduler.Core.Messages;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// Work stealing (Dask's WorkStealing extension, distributed/stealing.py): on each tick, tasks queued on busy
// workers are offered to idle ones. The victim is asked first (steal-request); only if it answers that the
// task has not started ("ready", "waiting", "constrained") does the task move, so nothing ever runs twice.
public sealed partial class SchedulerState
{
    private const double StealLatency = 0.1;
    private const int StealLevels = 15;

    /// <summary>Dask's cost_multipliers: how much more than its compute time moving a task may cost, per level.</summary>
    private static readonly double[] StealCostMultipliers =
        [1.0, .. Enumerable.Range(1, StealLevels - 1).Select(i => 1 + Math.Pow(2, i - 6))];

    private static readonly HashSet<string> StealConfirm = ["ready", "constrained", "waiting"];
    private static readonly HashSet<string> StealReject = ["memory", "executing", "long-running", "cancelled", "resumed"];

    private sealed record StealInFlight(WorkerState Victim, WorkerState Thief, double VictimDuration, double ThiefDuration, string StimulusId);

    private readonly Dictionary<TaskState, StealInFlight> _stealsInFlight = [];
    private readonly Dictionary<WorkerState, double> _stealOccupancy = [];
    private readonly Dictionary<WorkerState, int> _stealTasks = [];
    private long _stealCounter;

    private double CombinedOccupancy(WorkerState ws) => ws.Occupancy + _stealOccupancy.GetValueOrDefault(ws);

    private int CombinedProcessing(WorkerState ws) => ws.Processing.Count + _stealTasks.GetValueOrDefault(ws);

    /// <summary>Dask's steal_time_ratio: the level (0 = no dependencies, cheapest to move) or null (never steal).</summary>
    private int? StealLevel(TaskState ts, WorkerState on)
    {
        if (ts.Actor || on.LongRunning.Contains(ts) || ts.Prefix.Name == "split-shuffle") return null;
        if (ts.Dependencies.Count == 0) return 0;
        double compute = GetTaskDuration(ts);
        if (compute <= 0) return null;
        long nbytes = 0;
        foreach (var d in ts.Dependencies) nbytes += GetNbytes(d);
        double multiplier = (nbytes / Config.Bandwidth + StealLatency) / compute;
        int level = (int)Math.Round(Math.Log2(multiplier) + 6);
        if (level < 1) level = 1;
        return level >= StealLevels ? null : level;
    }

    private double CommCost(TaskState ts, WorkerState ws)
    {
        long bytes = 0;
        foreach (var d in ts.Dependencies) if (!d.WhoHas.Contains(ws)) bytes += GetNbytes(d);
        return bytes / Config.Bandwidth;
    }

    /// <summary>Dask's WorkStealing.balance: idle running workers steal from the most occupied ones.</summary>
    private void BalanceWork()
    {
        if (Running.Count < 2 || !AnyPossibleVictim()) return;
        double avg = TotalNThreads > 0 ? TotalOccupancy / TotalNThreads : 0;
        var thieves = Running.Where(ws => ws.Processing.Count < ws.NThreads || CombinedOccupancy(ws) < ws.NThreads * avg / 2).ToHashSet();
        if (thieves.Count == 0 || thieves.Count == Workers.Count) return;
        var victims = Running.Where(ws => !thieves.Contains(ws) && CombinedOccupancy(ws) > 0.2 && CombinedProcessing(ws) > ws.NThreads)
            .OrderByDescending(CombinedOccupancy).ThenBy(ws => ws.Address, StringComparer.Ordinal).Take(10).ToList();
        if (victims.Count == 0) return;

        // Stealable tasks by level, per victim, in priority order (the victim would run the least urgent last).
        var stealable = victims.ToDictionary(v => v, v =>
        {
            var byLevel = new List<TaskState>[StealLevels];
            foreach (var ts in v.Processing.Keys.OrderByDescending(t => t, PriorityComparer.Instance))
                if (!_stealsInFlight.ContainsKey(ts) && StealLevel(ts, v) is { } level) (byLevel[level] ??= []).Add(ts);
            return byLevel;
        });
        for (int level = 0; level < StealLevels && thieves.Count > 0; level++)
        {
            foreach (var victim in victims)
            {
                if (stealable[victim][level] is not { } tasks) continue;
                foreach (var ts in tasks)
                {
                    if (thieves.Count == 0) break;
                    if (ts.ProcessingOn != victim) continue;
                    var thief = StealThief(ts, thieves);
                    if (thief == null) continue;
                    double occThief = CombinedOccupancy(thief), occVictim = CombinedOccupancy(victim);
                    double commThief = CommCost(ts, thief), commVictim = CommCost(ts, victim), compute = GetTaskDuration(ts);
                    if (occThief + commThief + compute > occVictim - (commVictim + compute) / 2) continue;
                    RequestSteal(ts, victim, thief, compute + commVictim, compute + commThief);
                    if (!(CombinedProcessing(thief) < thief.NThreads || CombinedOccupancy(thief) < thief.NThreads * avg / 2))
                        thieves.Remove(thief);
                }
            }
        }
    }

    /// <summary>
    /// A victim has more tasks than threads (counting steals in flight). When no running worker does, as with
    /// idle workers on every tick, there is nothing to balance: checked without allocating, before the thief set.
    /// </summary>
    private bool AnyPossibleVictim()
    {
        foreach (var ws in Running)
            if (CombinedProcessing(ws) > ws.NThreads) return true;
        return false;
    }

    /// <summary>Dask's _get_thief: the best idle worker the task may run on (restrictions respected).</summary>
    private WorkerState? StealThief(TaskState ts, HashSet<WorkerState> thieves)
    {
        IEnumerable<WorkerState> pool = thieves;
        var valid = ValidWorkers(ts);
        if (valid != null)
        {
            var ok = thieves.Where(valid.Contains).ToList();
            if (ok.Count > 0) pool = ok;
            else if (!ts.LooseRestrictions) return null;
            else if (IsFenced(ts)) pool = thieves.Where(w => Fits(ts, w)).ToList();
        }
        return BestByObjective(ts, pool);
    }

    private void RequestSteal(TaskState ts, WorkerState victim, WorkerState thief, double victimDuration, double thiefDuration)
    {
        var sid = $"steal-{_stealCounter++}";
        _stealsInFlight[ts] = new StealInFlight(victim, thief, victimDuration, thiefDuration, sid);
        _stealOccupancy[victim] = _stealOccupancy.GetValueOrDefault(victim) - victimDuration;
        _stealOccupancy[thief] = _stealOccupancy.GetValueOrDefault(thief) + thiefDuration;
        _stealTasks[victim] = _stealTasks.GetValueOrDefault(victim) - 1;
        _stealTasks[thief] = _stealTasks.GetValueOrDefault(thief) + 1;
        SendToWorker(victim, new StealRequest(ts.Key, sid));
    }

    /// <summary>Forgets a pending steal (answered, or the task left processing meanwhile).</summary>
    private StealInFlight? DropSteal(TaskState ts)
    {
        if (!_stealsInFlight.Remove(ts, out var info)) return null;
        _stealOccupancy[info.Victim] = _stealOccupancy.GetValueOrDefault(info.Victim) + info.VictimDuration;
        _stealOccupancy[info.Thief] = _stealOccupancy.GetValueOrDefault(info.Thief) - info.ThiefDuration;
        _stealTasks[info.Victim] = _stealTasks.GetValueOrDefault(info.Victim) + 1;
        _stealTasks[info.Thief] = _stealTasks.GetValueOrDefault(info.Thief) - 1;
        if (_stealsInFlight.Count == 0)
        {
            _stealOccupancy.Clear();
            _stealTasks.Clear();
        }
        return info;
    }

    /// <summary>Dask's move_task_confirm: the victim's answer to a steal-request.</summary>
    private void OnStealResponse(StealResponse response)
    {
        if (response.Key is not { } key || !Tasks.TryGetValue(key, out var ts)) return;
        var sid = response.StimulusId;
        if (!_stealsInFlight.TryGetValue(ts, out var pending) || pending.StimulusId != sid)
        {
            _log.LogDebug("stale steal-response for {Key} ({Stimulus})", key, sid);
            return;
        }
        var info = DropSteal(ts)!;
        var state = response.State;
        bool thiefGone = !Workers.TryGetValue(info.Thief.Address, out var current) || current != info.Thief || !info.Thief.IsRunning;
        if (state == null || state == "released" || (StealConfirm.Contains(state) && thiefGone))
        {
            // The victim no longer has it, or the thief left: run it again wherever it fits.
            if (ts.Status == TaskStatus.Processing)
            {
                var recs = new Recommendations();
                recs[ts] = TaskStatus.Released;
                Transitions(recs, sid!);
            }
            return;
        }
        if (StealReject.Contains(state)) return; // already running (or done) on the victim
        if (!StealConfirm.Contains(state))
        {
            _log.LogWarning("unexpected task state {State} in steal-response for {Key}", state, key);
            return;
        }
        if (ts.Status != TaskStatus.Processing || ts.ProcessingOn != info.Victim) return;
        // The victim gave the task up: it runs on the thief.
        ExitProcessing(ts);
        AddToProcessing(ts, info.Thief);
        LogEvent(["stealing"], new StealConfirmed(key, info.Victim.Address, info.Thief.Address, pending.StimulusId));
    }
}
