namespace Scheduler.Dashboard.Services;

/// <summary>A computation from the history, as the dashboard lists it.</summary>
public sealed record HistoryComputation(
    long Id, string Client, DateTime SubmittedAt, DateTime? EndedAt, int TaskCount, string Outcome, int Memory, int Erred, int Cancelled, string Keys);

/// <summary>A task end from the history.</summary>
public sealed record HistoryTask(long ComputationId, string Key, string Prefix, string State, string? Worker, long Nbytes,
    DateTime? StartedAt, DateTime? StoppedAt, string? Error);

/// <summary>The history in SQLite, as the dashboard's history page queries it (implemented by the host).</summary>
public interface IHistoryReader
{
    bool Available { get; }

    Task<(IReadOnlyList<HistoryComputation> Items, int Total)> ComputationsAsync(string? text, string? outcome, int page, int pageSize, CancellationToken ct);

    Task<(IReadOnlyList<HistoryTask> Items, int Total)> TasksAsync(long? computation, string? key, string? state, int page, int pageSize, CancellationToken ct);
}
