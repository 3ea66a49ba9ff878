using Microsoft.EntityFrameworkCore;
using Scheduler.Core.Engine;
using Scheduler.Core.State;
using Scheduler.Dashboard.Services;
using Scheduler.Host.Api;
using Scheduler.Host.Persistence;

namespace Scheduler.Host.Dashboard;

/// <summary>The dashboard's view of the live state: the host's state reader and the actor's version.</summary>
public sealed class DashboardClusterReader(StateReader reader, SchedulerActor actor) : IClusterReader
{
    public Task<T> ReadAsync<T>(Func<SchedulerState, T> read, CancellationToken ct = default) => reader.ReadAsync(read, ct);

    public long Version => actor.Version;
}

/// <summary>The dashboard's view of the history in SQLite.</summary>
public sealed class DashboardHistoryReader(IDbContextFactory<HistoryDb> factory, IServiceProvider services) : IHistoryReader
{
    public bool Available => services.GetService<HistoryWriter>() is { Failed: false };

    /// <summary>The database is migrated in the background at startup: queries wait for it.</summary>
    private Task Ready => services.GetService<HistoryWriter>()?.Ready ?? Task.CompletedTask;

    public async Task<(IReadOnlyList<HistoryComputation> Items, int Total)> ComputationsAsync(
        string? text, string? outcome, int page, int pageSize, CancellationToken ct)
    {
        await Ready.WaitAsync(ct).ConfigureAwait(false);
        await using var db = await factory.CreateDbContextAsync(ct).ConfigureAwait(false);
        var q = HistoryQueries.Computations(db.Computations.AsNoTracking(), text: text, outcome: outcome);
        int total = await q.CountAsync(ct).ConfigureAwait(false);
        var rows = await q.OrderByDescending(c => c.Id).Skip((page - 1) * pageSize).Take(pageSize)
            .Select(c => new HistoryComputation(c.Id, c.Client, c.SubmittedAt, c.EndedAt, c.TaskCount, c.Outcome, c.Memory, c.Erred, c.Cancelled, c.Keys))
            .ToListAsync(ct).ConfigureAwait(false);
        return (rows, total);
    }

    public async Task<(IReadOnlyList<HistoryTask> Items, int Total)> TasksAsync(
        long? computation, string? key, string? state, int page, int pageSize, CancellationToken ct)
    {
        await Ready.WaitAsync(ct).ConfigureAwait(false);
        await using var db = await factory.CreateDbContextAsync(ct).ConfigureAwait(false);
        var q = HistoryQueries.Tasks(db.Tasks.AsNoTracking(), computation, key, state: state);
        int total = await q.CountAsync(ct).ConfigureAwait(false);
        var rows = await q.OrderBy(t => t.Id).Skip((page - 1) * pageSize).Take(pageSize)
            .Select(t => new HistoryTask(t.ComputationId, t.Key, t.Prefix, t.State, t.Worker, t.Nbytes, t.StartedAt, t.StoppedAt, t.Error))
            .ToListAsync(ct).ConfigureAwait(false);
        return (rows, total);
    }
}
