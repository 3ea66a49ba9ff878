using Scheduler.Core.Messages.Outgoing;

namespace Scheduler.Core.State;

// The task stream (Dask's TaskStreamPlugin): one record per task that finished or erred on a worker, with the
// worker's own report (startstops, thread, status, nbytes, type...), for Client.get_task_stream and the dashboard.
public sealed partial class SchedulerState
{
    private const int TaskStreamLength = 100_000; // distributed.scheduler.dashboard.tasks.task-stream-length

    private readonly RecentRecords<TaskStreamRecord> _taskStream = new(TaskStreamLength);

    /// <summary>The recorded tasks with their sequence numbers (views ask for the records after one they saw).</summary>
    public RecentRecords<TaskStreamRecord> TaskStream => _taskStream;

    /// <summary>Records a task that left processing with a worker report carrying its timings: the report as the
    /// worker sent it, with the blamed key of an erred task.</summary>
    private void RecordTaskStream(TaskState ts, WorkerReport report)
    {
        if (report.Message.StartStops is not { Count: > 0 } startStops || report.Message.Report is not { } sent) return;
        _taskStream.Add(new TaskStreamRecord(ts.Key, report.Worker, startStops, sent, report.Cause));
    }

    /// <summary>
    /// get_task_stream: the records whose first start lies in [start, stop), in the order tasks finished, or the last
    /// <paramref name="count"/>. Dask bisects its buffer by start time, which is only sorted by finish time; here
    /// every record is checked, so a task that ran before <paramref name="start"/> is never included.
    /// </summary>
    private TaskStreamReply GetTaskStream(double? start, double? stop, long? count)
    {
        var result = new List<TaskStreamRecord>();
        foreach (var record in _taskStream.All())
        {
            double t = record.FirstStart;
            if ((start == null || t >= start) && (stop == null || t < stop)) result.Add(record);
        }
        if (count is { } c && c >= 0 && result.Count > c) result.RemoveRange(0, result.Count - (int)c);
        return new TaskStreamReply(result);
    }
}
