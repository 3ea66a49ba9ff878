namespace Scheduler.Core.Events;

/// <summary>
/// What happened in the scheduler, for consumers that must never slow it down (the history writer, the
/// dashboard). The state appends events while it handles a stimulus; the actor hands them over afterwards.
/// Times are seconds since the Unix epoch, the stimulus clock.
/// </summary>
public abstract record SchedulerEvent(double Time);

/// <summary>A graph submission (update-graph): the tasks it created and the keys the client asked for.</summary>
public sealed record ComputationStarted(double Time, long Id, string Client, int Tasks, IReadOnlyList<string> Keys, int KeyCount)
    : SchedulerEvent(Time);

/// <summary>Every task of a computation has ended (in memory, erred or cancelled).</summary>
public sealed record ComputationEnded(double Time, long Id, string Outcome, int Memory, int Erred, int Cancelled)
    : SchedulerEvent(Time);

/// <summary>
/// A task of a computation reached its end: "memory" (with the worker, nbytes and compute times), "erred" (with
/// the error text) or "cancelled" (forgotten before either).
/// </summary>
public sealed record TaskEnded(double Time, long Computation, string Key, string Prefix, string State,
    string? Worker, long Nbytes, double? Start, double? Stop, string? Error) : SchedulerEvent(Time);

/// <summary>A worker registered.</summary>
public sealed record WorkerJoined(double Time, string Address, string? Name, int NThreads, long MemoryLimit) : SchedulerEvent(Time);

/// <summary>A worker was removed (closed, lost, retired, restarted).</summary>
public sealed record WorkerLeft(double Time, string Address, string Reason) : SchedulerEvent(Time);
