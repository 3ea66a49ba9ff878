using Scheduler.Core.Messages;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

/// <summary>
/// One task of the task stream (Dask's TaskStreamPlugin): a task that left processing on <see cref="Worker"/>, its
/// timings, and the worker's report as it sent it (thread, status, nbytes, type, ...), which get_task_stream passes
/// on. <see cref="Cause"/> is the blamed key of an erred task, as the worker report names it.
/// </summary>
public sealed record TaskStreamRecord(string Key, string Worker, IReadOnlyList<StartStop> StartStops, MsgMap Report, string? Cause)
{
    /// <summary>When the task's first action started (0 when the worker did not say): what get_task_stream selects by.</summary>
    public double FirstStart => StartStops.Count > 0 ? StartStops[0].Start ?? 0 : 0;
}
