using Microsoft.EntityFrameworkCore;
using Scheduler.Core.Events;
using Scheduler.Host.Persistence;

namespace Scheduler.Tests.Api;

/// <summary>
/// The writer's raw SQLite rows, read back through EF Core's model: every column HistoryRows writes must land in the
/// column EF Core reads it from, in the form it parses (times as EF Core's SQLite provider stores DateTime).
/// </summary>
public sealed class HistoryRowsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("history-rows-").FullName;

    [Fact]
    public async Task Rows_written_raw_read_back_through_the_model()
    {
        var connection = $"Data Source={Path.Combine(_dir, "h.db")}";
        var options = new DbContextOptionsBuilder<HistoryDb>().UseSqlite(connection).Options;
        await using (var db = new HistoryDb(options)) await db.Database.MigrateAsync();

        double t0 = 1_764_000_000.25;
        using (var rows = new HistoryRows(connection, "Scheduler-x"))
        using (var tx = rows.Begin())
        {
            long id = rows.InsertComputation(new ComputationStarted(t0, 7, "Client-1", 3, ["a", "b"], 2));
            rows.InsertTask(id, new TaskEnded(t0 + 2, 7, "a", "inc", "memory", "tcp://w:1", 28, t0 + 1, t0 + 1.5, null));
            rows.InsertTask(id, new TaskEnded(t0 + 3, 7, "b", "boom", "erred", null, 0, null, null, "ZeroDivisionError"));
            rows.EndComputation(id, new ComputationEnded(t0 + 4, 7, "error", 1, 1, 0));
            rows.InsertWorkerEvent(new WorkerJoined(t0 - 1, "tcp://w:1", "w-1", 4, 1 << 30));
            rows.InsertWorkerEvent(new WorkerLeft(t0 + 5, "tcp://w:1", "stream closed"));
            tx.Commit();
        }

        await using var read = new HistoryDb(options);
        var c = await read.Computations.Include(x => x.Tasks).SingleAsync();
        var at = (double seconds) => DateTime.UnixEpoch.AddSeconds(t0 + seconds);
        Assert.Equal(("Scheduler-x", 7L, "Client-1", at(0), at(4), 3, 2, "a\nb", "error", 1, 1, 0),
            (c.SchedulerId, c.Number, c.Client, c.SubmittedAt, c.EndedAt, c.TaskCount, c.KeyCount, c.Keys, c.Outcome, c.Memory, c.Erred, c.Cancelled));
        var tasks = c.Tasks.OrderBy(t => t.Id).ToList();
        Assert.Equal(("a", "inc", "memory", "tcp://w:1", 28L, at(1), at(1.5), at(2), (string?)null),
            (tasks[0].Key, tasks[0].Prefix, tasks[0].State, tasks[0].Worker, tasks[0].Nbytes, tasks[0].StartedAt, tasks[0].StoppedAt, tasks[0].EndedAt, tasks[0].Error));
        Assert.Equal(("b", "erred", (string?)null, (DateTime?)null, "ZeroDivisionError"),
            (tasks[1].Key, tasks[1].State, tasks[1].Worker, tasks[1].StartedAt, tasks[1].Error));
        var events = await read.WorkerEvents.OrderBy(w => w.Id).ToListAsync();
        Assert.Equal(("Scheduler-x", "tcp://w:1", "w-1", "joined", (string?)null, 4, 1L << 30, at(-1)),
            (events[0].SchedulerId, events[0].Address, events[0].Name, events[0].Kind, events[0].Reason, events[0].NThreads, events[0].MemoryLimit, events[0].At));
        Assert.Equal(("left", "stream closed", (string?)null, at(5)), (events[1].Kind, events[1].Reason, events[1].Name, events[1].At));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
