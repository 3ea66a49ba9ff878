namespace Scheduler.Host.Persistence;

/// <summary>One graph submission, as it started and (once every task ended) how it ended.</summary>
public sealed class ComputationRecord
{
    public long Id { get; set; }
    /// <summary>The scheduler process that ran it (its identity id), and its number within that process.</summary>
    public required string SchedulerId { get; set; }
    public long Number { get; set; }
    public required string Client { get; set; }
    public DateTime SubmittedAt { get; set; }
    public DateTime? EndedAt { get; set; }
    public int TaskCount { get; set; }
    public int KeyCount { get; set; }
    /// <summary>The requested keys, one per line (the first 1,000).</summary>
    public required string Keys { get; set; }
    /// <summary>running, ok, error, cancelled, or interrupted (the scheduler stopped before it ended).</summary>
    public required string Outcome { get; set; }
    public int Memory { get; set; }
    public int Erred { get; set; }
    public int Cancelled { get; set; }
    public List<TaskRecord> Tasks { get; set; } = [];
}

/// <summary>A task's end: memory (with worker, nbytes and compute times), erred (with the error) or cancelled.</summary>
public sealed class TaskRecord
{
    public long Id { get; set; }
    public long ComputationId { get; set; }
    public ComputationRecord? Computation { get; set; }
    public required string Key { get; set; }
    public required string Prefix { get; set; }
    public required string State { get; set; }
    public string? Worker { get; set; }
    public long Nbytes { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? StoppedAt { get; set; }
    public DateTime EndedAt { get; set; }
    public string? Error { get; set; }
}

/// <summary>A worker joining or leaving.</summary>
public sealed class WorkerEventRecord
{
    public long Id { get; set; }
    public required string SchedulerId { get; set; }
    public required string Address { get; set; }
    public string? Name { get; set; }
    /// <summary>joined or left.</summary>
    public required string Kind { get; set; }
    public string? Reason { get; set; }
    public int NThreads { get; set; }
    public long MemoryLimit { get; set; }
    public DateTime At { get; set; }
}
