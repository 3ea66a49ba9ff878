using Scheduler.Core.Events;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// Events for the consumers outside the state (history writer, dashboard): graph submissions as computations,
// each of their tasks' ends, workers joining and leaving. Only recorded when HistoryEnabled (the host turns it on).
public sealed partial class SchedulerState
{
    private readonly List<SchedulerEvent> _historyEvents = [];
    private long _nextComputation;

    /// <summary>Whether the state records <see cref="Events"/> (a host with consumers turns this on).</summary>
    public bool HistoryEnabled { get; set; }

    /// <summary>Events of the last handled stimulus; valid until the next call to Handle.</summary>
    public IReadOnlyList<SchedulerEvent> Events => _historyEvents;

    /// <summary>Computations that still have tasks to end, oldest first.</summary>
    public Dictionary<long, ComputationState> ActiveComputations { get; } = [];

    /// <summary>A graph submission's new tasks make a computation (tasks an earlier one created stay with it).</summary>
    private void StartComputation(string client, IReadOnlyList<TaskState> touched, IReadOnlyList<string> keys)
    {
        if (!HistoryEnabled) return;
        ComputationState? c = null;
        foreach (var ts in touched)
        {
            if (ts.Computation != null || ts.Ended || ts.Status is TaskStatus.Memory or TaskStatus.Erred) continue;
            c ??= new ComputationState(++_nextComputation, client, Now);
            ts.Computation = c;
            c.Total++;
        }
        if (c == null) return;
        ActiveComputations[c.Id] = c;
        const int MaxKeysKept = 1000; // a map over a million items does not keep a million key names per computation
        _historyEvents.Add(new ComputationStarted(Now, c.Id, client, c.Total, keys.Count <= MaxKeysKept ? keys : keys.Take(MaxKeysKept).ToList(), keys.Count));
    }

    /// <summary>After each transition: a computation's task that reached memory or erred, or was forgotten before.</summary>
    private void RecordHistory(TaskState ts, WorkerReport? report)
    {
        var c = ts.Computation;
        if (c == null || ts.Ended) return;
        string state;
        switch (ts.Status)
        {
            case TaskStatus.Memory: state = "memory"; c.Memory++; break;
            case TaskStatus.Erred: state = "erred"; c.Erred++; break;
            case TaskStatus.Forgotten: state = "cancelled"; c.Cancelled++; break;
            default: return;
        }
        ts.Ended = true;
        double? begin = null, end = null;
        if (report?.Message.StartStops is { } startstops)
            foreach (var ss in startstops)
            {
                if (ss.Start is { } x && (begin == null || x < begin)) begin = x;
                if (ss.Stop is { } y && (end == null || y > end)) end = y;
            }
        var worker = report?.Worker ?? (state == "memory" ? ts.WhoHas.FirstOrDefault()?.Address : null);
        _historyEvents.Add(new TaskEnded(Now, c.Id, ts.Key, ts.Prefix.Name, state, worker,
            state == "memory" ? ts.Nbytes : -1, begin, end, state == "erred" ? ts.ExceptionText ?? ts.ExceptionBlame?.ExceptionText : null));
        if (c.Remaining == 0)
        {
            c.End = Now;
            ActiveComputations.Remove(c.Id);
            _historyEvents.Add(new ComputationEnded(Now, c.Id, c.Outcome, c.Memory, c.Erred, c.Cancelled));
        }
    }

    private void RecordWorkerJoined(WorkerState ws)
    {
        if (HistoryEnabled) _historyEvents.Add(new WorkerJoined(Now, ws.Address, ws.Name?.ToString(), ws.NThreads, ws.MemoryLimit));
    }

    private void RecordWorkerLeft(string address, string sid)
    {
        if (!HistoryEnabled) return;
        // Stimulus ids are "<what>-<time>": the what is the reason.
        int dash = sid.LastIndexOf('-');
        _historyEvents.Add(new WorkerLeft(Now, address, dash > 0 ? sid[..dash] : sid));
    }
}
