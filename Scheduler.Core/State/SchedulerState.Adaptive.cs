using Scheduler.Core.Messages;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// What adaptive deployments ask (distributed.deploy.Adaptive): how many workers the work needs
// (adaptive_target) and which workers could go (workers_to_close; retire_workers without a list uses it).
public sealed partial class SchedulerState
{
    /// <summary>
    /// Dask's workers_to_close: idle workers holding the least data first, while the rest keep at least
    /// <paramref name="memoryRatio"/> times the stored bytes in memory limits (or until <paramref name="n"/> /
    /// down to <paramref name="target"/>), never below <paramref name="minimum"/>. Each worker is its own group
    /// (a pickled grouping key would need Python).
    /// </summary>
    public List<WorkerState> WorkersToClose(double? memoryRatio = null, long? n = null, long? minimum = null, long? target = null)
    {
        if (target != null && n == null) n = Workers.Count - target;
        if (n != null)
        {
            if (n < 0) n = 0;
            target = Workers.Count - n;
        }
        if (n == null && memoryRatio == null) memoryRatio = 2;
        if ((n is null or 0) && Workers.Values.All(ws => ws.Processing.Count > 0)) return [];

        double limit = Workers.Values.Sum(ws => (double)ws.MemoryLimit);
        double total = Workers.Values.Sum(ws => (double)ws.Nbytes);
        // Candidates, best first: idle before busy, then the fewest bytes (Dask pops from the end of a sort).
        var candidates = Workers.Values
            .OrderByDescending(ws => ws.Processing.Count == 0)
            .ThenBy(ws => ws.Nbytes)
            .ThenBy(ws => ws.Address, StringComparer.Ordinal)
            .ToList();
        var toClose = new List<WorkerState>();
        long remain = Workers.Count;
        foreach (var ws in candidates)
        {
            if (n == null && ws.Processing.Count > 0) break;
            if (minimum is > 0 && remain - 1 < minimum) break;
            limit -= ws.MemoryLimit;
            if ((n != null && remain - 1 >= target) || (memoryRatio != null && limit >= memoryRatio * total))
            {
                toClose.Add(ws);
                remain--;
            }
            else break;
        }
        return toClose;
    }

    /// <summary>
    /// Dask's adaptive_target: workers needed to finish the known work in <c>target_duration</c> (5 s), at least
    /// twice the workers when memory is over 60% full, else as many as stay after workers_to_close.
    /// </summary>
    public long AdaptiveTarget(double? targetDuration = null)
    {
        double duration = targetDuration ?? 5;
        var waiting = Queued.Concat(Unrunnable).Take(100).ToList();
        double queuedOccupancy = waiting.Sum(GetTaskDuration);
        int nWaiting = Queued.Count + Unrunnable.Count;
        if (nWaiting > 100) queuedOccupancy *= nWaiting / 100.0;
        long cpu = (long)Math.Ceiling((TotalOccupancy + queuedOccupancy) / duration);
        long ready = nWaiting;
        bool enough = false;
        foreach (var ws in Workers.Values)
        {
            ready += ws.Processing.Count;
            if (ready > cpu) { enough = true; break; }
        }
        if (!enough) cpu = Math.Min(ready, cpu);
        if (nWaiting > 0 && Workers.Count == 0) cpu = Math.Max(1, cpu);
        long limit = Workers.Values.Sum(ws => ws.MemoryLimit);
        long used = Workers.Values.Sum(ws => ws.Nbytes);
        long memory = limit > 0 && used > 0.6 * limit ? 2L * Workers.Count : 0;
        long target = Math.Max(memory, cpu);
        return target >= Workers.Count ? target : Workers.Count - WorkersToClose().Count;
    }

    private List<WorkerState> WorkersToClose(CloseCriteria c) => WorkersToClose(c.MemoryRatio, c.N, c.Minimum, c.Target);

    private object?[] WorkersToCloseReply(WorkersToCloseRequest q) =>
        WorkersToClose(q.Criteria).Select(ws => q.ByName ? ws.Name : ws.Address).ToArray<object?>();
}
