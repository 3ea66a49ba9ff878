using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// The task stream (Dask's TaskStreamPlugin): one record per task that finished or erred on a worker, with the
// worker's own report (startstops, thread, status, nbytes, type...), for Client.get_task_stream and the dashboard.
public sealed partial class SchedulerState
{
    private const int TaskStreamLength = 100_000; // distributed.scheduler.dashboard.tasks.task-stream-length

    private readonly RecentRecords<MsgMap> _taskStream = new(TaskStreamLength);

    /// <summary>The recorded tasks with their sequence numbers (views ask for the records after one they saw).</summary>
    public RecentRecords<MsgMap> TaskStream => _taskStream;

    /// <summary>Records a task that left processing with a worker report carrying its timings: the report as the
    /// worker sent it, with the blamed key of an erred task.</summary>
    private void RecordTaskStream(TaskState ts, WorkerReport report)
    {
        if (report.Message.StartStops is not { Count: > 0 } || report.Message.Report is not { } sent) return;
        var record = new MsgMap(sent.Count + 3);
        foreach (var (k, v) in sent)
            if (k is not "op") record.Add(k, v);
        if (report.Cause != null) record.Set("cause", report.Cause);
        record.Set("key", TaskKeys.ToWire(ts.Key));
        record.Set("worker", report.Worker);
        _taskStream.Add(record);
    }

    /// <summary>
    /// get_task_stream: the records whose first start lies in [start, stop), in the order tasks finished, or the last
    /// <paramref name="count"/>. Dask bisects its buffer by start time, which is only sorted by finish time; here
    /// every record is checked, so a task that ran before <paramref name="start"/> is never included.
    /// </summary>
    private object?[] GetTaskStream(double? start, double? stop, long? count)
    {
        static double Start(MsgMap m) =>
            m["startstops"] is IList<object?> { Count: > 0 } ss && ss[0] is MsgMap first ? MsgValues.AsDouble(first["start"]) ?? 0 : 0;
        var result = new List<object?>();
        foreach (var record in _taskStream.All())
        {
            double t = Start(record);
            if ((start == null || t >= start) && (stop == null || t < stop)) result.Add(record);
        }
        if (count is { } c && c >= 0 && result.Count > c) result.RemoveRange(0, result.Count - (int)c);
        return [.. result];
    }
}
