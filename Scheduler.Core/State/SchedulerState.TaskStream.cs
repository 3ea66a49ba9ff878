using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// The task stream (Dask's TaskStreamPlugin): one record per task that finished or erred on a worker, with the
// worker's own report (startstops, thread, status, nbytes, type...), for Client.get_task_stream and the dashboard.
public sealed partial class SchedulerState
{
    private const int TaskStreamLength = 100_000; // distributed.scheduler.dashboard.tasks.task-stream-length

    private readonly Queue<MsgMap> _taskStream = new();

    /// <summary>The recorded tasks, oldest first.</summary>
    public IReadOnlyCollection<MsgMap> TaskStream => _taskStream;

    /// <summary>Records a task that left processing with a worker report carrying its timings.</summary>
    private void RecordTaskStream(TaskState ts, WorkerReport report)
    {
        if (report.Message["startstops"] is not IList<object?> { Count: > 0 }) return;
        var record = new MsgMap(report.Message.Count + 2);
        foreach (var (k, v) in report.Message)
            if (k is not "op") record.Add(k, v);
        record.Set("key", TaskKeys.ToWire(ts.Key));
        record.Set("worker", report.Worker);
        _taskStream.Enqueue(record);
        while (_taskStream.Count > TaskStreamLength) _taskStream.Dequeue();
    }

    /// <summary>get_task_stream: TaskStreamPlugin.collect, records whose first start lies in [start, stop).</summary>
    private object?[] GetTaskStream(double? start, double? stop, long? count)
    {
        var all = _taskStream.ToArray();
        static double Start(MsgMap m) =>
            m["startstops"] is IList<object?> { Count: > 0 } ss && ss[0] is MsgMap first ? MsgValues.AsDouble(first["start"]) ?? 0 : 0;
        int Bisect(double target)
        {
            int lo = 0, hi = all.Length;
            while (lo < hi)
            {
                int mid = (lo + hi) / 2;
                if (Start(all[mid]) < target) lo = mid + 1; else hi = mid;
            }
            return lo;
        }
        int from = start is { } s ? Bisect(s) : 0;
        int to = stop is { } e ? Bisect(e) : all.Length;
        if (count is { } c && start == null && stop == null) from = Math.Max(0, to - (int)c);
        return all[from..Math.Max(from, to)];
    }
}
