using Microsoft.EntityFrameworkCore;

namespace Scheduler.Host.Persistence;

/// <summary>Deletes history past its age and beyond its row budget (HistoryOptions), oldest first.</summary>
public sealed class HistoryRetention(IDbContextFactory<HistoryDb> factory, HistoryOptions options, ILogger log)
{
    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            await using var db = await factory.CreateDbContextAsync(ct).ConfigureAwait(false);
            var cutoff = DateTime.UtcNow.AddDays(-options.MaxAgeDays);
            var old = db.Computations.Where(c => c.SubmittedAt < cutoff && c.Outcome != "running");
            int tasks = await db.Tasks.Where(t => old.Any(c => c.Id == t.ComputationId)).ExecuteDeleteAsync(ct).ConfigureAwait(false);
            int computations = await old.ExecuteDeleteAsync(ct).ConfigureAwait(false);
            await db.WorkerEvents.Where(w => w.At < cutoff).ExecuteDeleteAsync(ct).ConfigureAwait(false);
            // The row budget: the newest MaxTasks task rows stay.
            var boundary = await db.Tasks.OrderByDescending(t => t.Id).Skip((int)Math.Min(options.MaxTasks, int.MaxValue))
                .Select(t => (long?)t.Id).FirstOrDefaultAsync(ct).ConfigureAwait(false);
            if (boundary is { } b) tasks += await db.Tasks.Where(t => t.Id <= b).ExecuteDeleteAsync(ct).ConfigureAwait(false);
            if (tasks + computations > 0)
                log.LogInformation("history retention removed {Computations} computations and {Tasks} task rows", computations, tasks);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "history retention failed");
        }
    }
}
