using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Scheduler.Host.Persistence;

namespace Scheduler.Tests.Api;

/// <summary>Retention against a real SQLite file migrated with the checked-in migrations.</summary>
public sealed class HistoryRetentionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("history-retention-").FullName;

    private sealed class Factory(string file) : IDbContextFactory<HistoryDb>
    {
        public HistoryDb CreateDbContext() =>
            new(new DbContextOptionsBuilder<HistoryDb>().UseSqlite($"Data Source={file}").AddInterceptors(new SqlitePragmas()).Options);
    }

    [Fact]
    public async Task Old_computations_and_tasks_beyond_the_budget_are_deleted_oldest_first()
    {
        var factory = new Factory(Path.Combine(_dir, "h.db"));
        await using (var db = factory.CreateDbContext())
        {
            await db.Database.MigrateAsync();
            var now = DateTime.UtcNow;
            foreach (var (age, tasks, outcome) in new[] { (40.0, 5, "ok"), (40.0, 5, "running"), (1.0, 30, "ok"), (0.0, 30, "error") })
            {
                var c = new ComputationRecord { SchedulerId = "s", Client = "c", Keys = "", Outcome = outcome, SubmittedAt = now.AddDays(-age), TaskCount = tasks };
                for (int i = 0; i < tasks; i++)
                    c.Tasks.Add(new TaskRecord { Key = $"k-{age}-{i}", Prefix = "k", State = "memory", EndedAt = now.AddDays(-age) });
                db.Computations.Add(c);
                await db.SaveChangesAsync();
            }
        }
        var options = new HistoryOptions { MaxAgeDays = 30, MaxTasks = 40 };
        await new HistoryRetention(factory, options, NullLogger.Instance).RunAsync(CancellationToken.None);
        await using (var db = factory.CreateDbContext())
        {
            // The 40-day-old finished computation is gone with its tasks; a running one is kept whatever its age.
            Assert.Equal(["running", "ok", "error"], await db.Computations.OrderBy(c => c.Id).Select(c => c.Outcome).ToListAsync());
            // At most MaxTasks task rows remain, the newest ones.
            Assert.Equal(40, await db.Tasks.CountAsync());
            Assert.Equal(30, await db.Tasks.CountAsync(t => t.Key.StartsWith("k-0-")));
        }
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
