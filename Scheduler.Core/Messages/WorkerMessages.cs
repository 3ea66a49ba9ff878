using Scheduler.Core.Protocol;

namespace Scheduler.Core.Messages;

// The ops a worker sends on its batched stream. A key that cannot be read is null: the state ignores the op, as it
// ignores a key it does not know. StimulusId is the worker's own, when it sent one.

/// <summary>
/// A worker's report of a task that left its processing (task-finished, task-erred), or the scheduler's own account
/// of one it gave up on. What the transitions read is typed; <see cref="Report"/> is the worker's whole message, kept
/// only because the task stream records the report as the worker sent it (thread, metadata, status, ...).
/// </summary>
public abstract record TaskReport(string? Key, string? StimulusId, long? RunId, IReadOnlyList<StartStop>? StartStops, MsgMap? Report)
    : WorkerMessage;

/// <summary>
/// One of a report's startstops: what the worker did (compute, transfer, disk-read, ...) from when to when, in seconds
/// of its clock. An entry that is not a map reads as all null (it still counts as an entry).
/// </summary>
public readonly record struct StartStop(string? Action, double? Start, double? Stop);

/// <summary>task-finished: the task's result is in the worker's memory.</summary>
/// <param name="RunId">The dispatch the worker ran (2024.12 workers echo compute-task's run_id; 2022.12 ones do not).</param>
/// <param name="Type">The pickled type of the result, passed on to clients as it came.</param>
public sealed record TaskFinished(
    string? Key, string? StimulusId, long? RunId, long? Nbytes, byte[]? Type, string? TypeName,
    IReadOnlyList<StartStop>? StartStops, MsgMap? Report)
    : TaskReport(Key, StimulusId, RunId, StartStops, Report);

/// <summary>task-erred: the task raised. The exception and traceback are the worker's pickles, passed on to clients.</summary>
public sealed record TaskErred(
    string? Key, string? StimulusId, long? RunId, object? Exception, string? ExceptionText, object? Traceback,
    string? TracebackText, IReadOnlyList<StartStop>? StartStops, MsgMap? Report)
    : TaskReport(Key, StimulusId, RunId, StartStops, Report);

/// <summary>release-worker-data: the worker dropped its copy of a key.</summary>
public sealed record ReleaseWorkerData(string? Key, string? StimulusId) : WorkerMessage;

/// <summary>add-keys: the worker holds these keys (fetched or kept).</summary>
public sealed record KeysAdded(IReadOnlyList<string> Keys, string? StimulusId) : WorkerMessage;

/// <summary>long-running: a task seceded from its thread (worker_client, secede).</summary>
/// <param name="ComputeDuration">Seconds it ran before it seceded.</param>
public sealed record TaskLongRunning(string? Key, double? ComputeDuration, string? StimulusId) : WorkerMessage;

/// <summary>reschedule: the task raised Reschedule; it is to run again, anywhere.</summary>
public sealed record Reschedule(string? Key, string? StimulusId) : WorkerMessage;

/// <summary>worker-status-change: the worker is now running, paused, closing, ...</summary>
public sealed record WorkerStatusChanged(string? Status, string? StimulusId) : WorkerMessage;

/// <summary>request-refresh-who-has: the worker asks where these keys are now.</summary>
public sealed record RequestRefreshWhoHas(IReadOnlyList<string> Keys, string? StimulusId) : WorkerMessage;

/// <summary>log-event: an event the worker logs under its topics. The event is the worker's own value, logged as it came.</summary>
public sealed record WorkerLogEvent(IReadOnlyList<string> Topics, object? Event) : WorkerMessage;

/// <summary>keep-alive: the worker is there (its stream carried nothing for a minute).</summary>
public sealed record KeepAlive : WorkerMessage
{
    public static readonly KeepAlive Instance = new();
}

/// <summary>steal-response: the victim's answer to a steal-request.</summary>
/// <param name="StimulusId">The steal-request's, which the answer must match (null when the worker sent none).</param>
/// <param name="State">The task's state on the victim then (null when it no longer has it).</param>
public sealed record StealResponse(string? Key, string? StimulusId, string? State) : WorkerMessage;
