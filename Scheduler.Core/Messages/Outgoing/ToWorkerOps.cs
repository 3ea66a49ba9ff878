using Scheduler.Core.Protocol;
using Scheduler.Core.State;

namespace Scheduler.Core.Messages.Outgoing;

// The ops the scheduler sends on a worker's batched stream (pub/sub's are with the others of pub/sub).

/// <summary>compute-task: run this task (every dispatch is a new run, <see cref="RunId"/>).</summary>
/// <param name="Priority">The task's priority; null is sent as (0,).</param>
/// <param name="Duration">The scheduler's estimate of the task's run time, in seconds.</param>
/// <param name="Dependencies">Where each dependency is and how large it is, as known at dispatch.</param>
/// <param name="RunSpec">The task as its client sent it (a function/args/kwargs map, a pickle, or null for data).</param>
/// <param name="ResourceRestrictions">Resource name to amount; null for none.</param>
/// <param name="Annotations">The task's annotations; null for none.</param>
/// <param name="SpanId">The task's span (none yet: spans are not tracked).</param>
public sealed record ComputeTask(
    string Key,
    Priority? Priority,
    double Duration,
    string StimulusId,
    IReadOnlyList<KeyReplicas> Dependencies,
    object? RunSpec,
    MsgMap? ResourceRestrictions,
    bool Actor,
    MsgMap? Annotations,
    long RunId,
    string? SpanId) : WorkerOp;

/// <summary>free-keys: drop these keys (the state adds a key released later in the same turn to the open list).</summary>
public sealed record FreeKeys(IReadOnlyList<string> Keys, string StimulusId) : WorkerOp;

/// <summary>steal-request: give this task up if it has not started, and say so (steal-response).</summary>
public sealed record StealRequest(string Key, string StimulusId) : WorkerOp;

/// <summary>refresh-who-has: where these keys are now (the answer to request-refresh-who-has).</summary>
public sealed record RefreshWhoHas(IReadOnlyList<KeyHolders> WhoHas, string StimulusId) : WorkerOp;

/// <summary>remove-replicas: drop these copies the scheduler does not track.</summary>
public sealed record RemoveReplicas(IReadOnlyList<string> Keys, string StimulusId) : WorkerOp;

/// <summary>acquire-replicas: fetch these keys from their holders (retire_workers moves unique data so).</summary>
public sealed record AcquireReplicas(IReadOnlyList<KeyReplicas> Keys, string StimulusId) : WorkerOp;

/// <summary>worker-status-change: the worker is to take this status (closing_gracefully, or back to what it was).</summary>
public sealed record SetWorkerStatus(string Status, string StimulusId) : WorkerOp;

/// <summary>close: the worker is to shut down.</summary>
public sealed record CloseWorker(string Reason) : WorkerOp;

/// <summary>
/// remove-worker: another worker left, so stop fetching from it. Told to every remaining worker; a dialect whose
/// workers have no such op (2022.12: they learn it when a fetch fails) writes nothing.
/// </summary>
public sealed record PeerRemoved(string Worker, string StimulusId) : WorkerOp;
