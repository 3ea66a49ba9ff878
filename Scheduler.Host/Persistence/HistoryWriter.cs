using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using SQLitePCL;
using Scheduler.Core.Engine;
using Scheduler.Core.Events;
using Scheduler.Host.Hosting;

namespace Scheduler.Host.Persistence;

/// <summary>
/// Consumes the scheduler's events and writes them to SQLite in batches, one transaction per batch, off the
/// scheduler's thread: the actor only enqueues. A committed batch survives a crash of the process (SQLite's
/// journal), so after a SIGKILL the history holds everything up to the last flush (at most FlushMilliseconds old).
/// </summary>
public sealed class HistoryWriter(
    IDbContextFactory<HistoryDb> factory,
    HistoryOptions options,
    SchedulerActor actor,
    SchedulerRuntime runtime,
    ILogger<HistoryWriter> log) : BackgroundService, ISchedulerEventSink
{
    private const int MaxBatch = 20_000;
    /// <summary>Beyond this backlog (the database cannot keep up) task rows are dropped, and counted, rather than memory.</summary>
    private const long MaxBacklog = 2_000_000;

    // One item per handled stimulus (its events), not per event: the actor pays one channel write per stimulus.
    private readonly Channel<SchedulerEvent[]> _queue = Channel.CreateUnbounded<SchedulerEvent[]>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private long _backlog;
    private long _dropped;
    /// <summary>Database id of each running computation, by its number in this process.</summary>
    private readonly Dictionary<long, long> _computationIds = [];
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the database is migrated (or failed to be).</summary>
    public Task Ready => _ready.Task;

    public void Publish(IReadOnlyList<SchedulerEvent> events)
    {
        SchedulerEvent[] copy;
        if (Interlocked.Read(ref _backlog) <= MaxBacklog) copy = [.. events];
        else
        {
            // The database cannot keep up: keep computations and workers, drop (and count) task rows.
            copy = [.. events.Where(e => e is not TaskEnded)];
            Interlocked.Add(ref _dropped, events.Count - copy.Length);
            if (copy.Length == 0) return;
        }
        Interlocked.Add(ref _backlog, copy.Length);
        _queue.Writer.TryWrite(copy);
    }

    /// <summary>Subscribes before the actor starts (hosted services start in order: this one first).</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        actor.Subscribe(this);
        return base.StartAsync(cancellationToken);
    }

    /// <summary>
    /// Migrates the database in the background, so that the scheduler listens at once (events wait in the queue;
    /// the history API and pages wait for <see cref="Ready"/>).
    /// </summary>
    private async Task OpenAsync(CancellationToken ct)
    {
        try
        {
            await using (var db = await factory.CreateDbContextAsync(ct).ConfigureAwait(false))
            {
                await db.Database.MigrateAsync(ct).ConfigureAwait(false);
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct).ConfigureAwait(false);
                // Computations another process left running did not end: it stopped (or was killed) first.
                await db.Computations.Where(c => c.Outcome == "running")
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.Outcome, "interrupted"), ct).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogError(e, "task history is off: the database could not be opened");
            _failed = true;
        }
        finally
        {
            _ready.TrySetResult();
        }
    }

    private bool _failed;

    /// <summary>True when the database could not be opened (the history API then answers 503).</summary>
    public bool Failed => _failed;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await OpenAsync(stoppingToken).ConfigureAwait(false);
        if (_failed)
        {
            Drain();
            return;
        }

        await WarmUpAsync(stoppingToken).ConfigureAwait(false);
        var retention = new HistoryRetention(factory, options, log);
        var nextRetention = DateTime.UtcNow;
        var batch = new List<SchedulerEvent>(1024);
        var reader = _queue.Reader;
        try
        {
            while (true)
            {
                if (DateTime.UtcNow >= nextRetention)
                {
                    await retention.RunAsync(stoppingToken).ConfigureAwait(false);
                    nextRetention = DateTime.UtcNow.AddMinutes(options.RetentionIntervalMinutes);
                }
                using (var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
                {
                    wait.CancelAfter(TimeSpan.FromMinutes(options.RetentionIntervalMinutes));
                    try
                    {
                        if (!await reader.WaitToReadAsync(wait.Token).ConfigureAwait(false)) break;
                    }
                    catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                    {
                        continue; // time for retention
                    }
                }
                // Let a burst gather into one transaction, but never hold events longer than the flush interval.
                await Task.Delay(options.FlushMilliseconds, stoppingToken).ConfigureAwait(false);
                while (batch.Count < MaxBatch && reader.TryRead(out var events)) batch.AddRange(events);
                // Never cancelled: a SIGTERM arriving mid-write must not roll back (and drop) the batch being written.
                await WriteBatchAsync(batch, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        // Shutting down: what is queued is still written (a SIGTERM loses nothing; a SIGKILL loses the last batch).
        while (reader.TryRead(out var events)) batch.AddRange(events);
        if (batch.Count > 0)
            await WriteBatchAsync(batch, CancellationToken.None).ConfigureAwait(false);
    }

    private void Drain()
    {
        _ = Task.Run(async () =>
        {
            await foreach (var events in _queue.Reader.ReadAllAsync().ConfigureAwait(false)) Interlocked.Add(ref _backlog, -events.Length);
        });
    }

    private static Task<int> EndComputationAsync(HistoryDb db, long id, ComputationEnded c, CancellationToken ct) =>
        db.Computations.Where(r => r.Id == id).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.Outcome, c.Outcome).SetProperty(r => r.EndedAt, Utc(c.Time))
            .SetProperty(r => r.Memory, c.Memory).SetProperty(r => r.Erred, c.Erred).SetProperty(r => r.Cancelled, c.Cancelled), ct);

    /// <summary>
    /// EF Core compiles a query the first time it runs: the computation-ended update is compiled now, at startup,
    /// against a row that does not exist, rather than during the first computation a client runs.
    /// </summary>
    private async Task WarmUpAsync(CancellationToken ct)
    {
        try
        {
            await using var db = await factory.CreateDbContextAsync(ct).ConfigureAwait(false);
            await EndComputationAsync(db, -1, new ComputationEnded(0, -1, "warm-up", 0, 0, 0), ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DbUpdateException or SqliteException or InvalidOperationException)
        {
            log.LogDebug(e, "history warm-up query failed (harmless)");
        }
    }

    private async Task WriteBatchAsync(List<SchedulerEvent> batch, CancellationToken ct)
    {
        try
        {
            await using var db = await factory.CreateDbContextAsync(ct).ConfigureAwait(false);
            await using var tx = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
            var started = new Dictionary<long, ComputationRecord>();
            var ended = new List<ComputationEnded>();
            var tasks = new List<TaskEnded>();
            foreach (var e in batch)
            {
                switch (e)
                {
                    case ComputationStarted c:
                        var record = new ComputationRecord
                        {
                            SchedulerId = runtime.Identity.Id, Number = c.Id, Client = c.Client, SubmittedAt = Utc(c.Time),
                            TaskCount = c.Tasks, KeyCount = c.KeyCount, Keys = string.Join('\n', c.Keys), Outcome = "running",
                        };
                        db.Computations.Add(record);
                        started[c.Id] = record;
                        break;
                    case ComputationEnded c: ended.Add(c); break;
                    case TaskEnded t: tasks.Add(t); break;
                    case WorkerJoined w:
                        db.WorkerEvents.Add(new WorkerEventRecord
                        {
                            SchedulerId = runtime.Identity.Id, Address = w.Address, Name = w.Name, Kind = "joined",
                            NThreads = w.NThreads, MemoryLimit = w.MemoryLimit, At = Utc(w.Time),
                        });
                        break;
                    case WorkerLeft w:
                        db.WorkerEvents.Add(new WorkerEventRecord
                        {
                            SchedulerId = runtime.Identity.Id, Address = w.Address, Kind = "left", Reason = w.Reason, At = Utc(w.Time),
                        });
                        break;
                }
            }
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
            foreach (var (number, record) in started) _computationIds[number] = record.Id;
            InsertTasks(db, tasks);
            foreach (var c in ended)
            {
                if (!_computationIds.Remove(c.Id, out var id)) continue;
                await EndComputationAsync(db, id, c, ct).ConfigureAwait(false);
            }
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DbUpdateException or SqliteException or InvalidOperationException)
        {
            log.LogError(e, "could not write {Count} history events; they are dropped", batch.Count);
        }
        finally
        {
            Interlocked.Add(ref _backlog, -batch.Count);
            batch.Clear();
            long dropped = Interlocked.Exchange(ref _dropped, 0);
            if (dropped > 0) log.LogWarning("the history database fell behind: {Count} task rows were not recorded", dropped);
        }
    }

    /// <summary>
    /// Task rows are the bulk of the history (one per task). They are written through SQLite's own API: one prepared
    /// statement per batch, values bound by position. Tracked entities, or even ADO.NET commands (which bind every
    /// parameter by name on every execution), cost several times more CPU per row, in the scheduler's process.
    /// </summary>
    private void InsertTasks(HistoryDb db, List<TaskEnded> tasks)
    {
        if (tasks.Count == 0) return;
        var handle = ((SqliteConnection)db.Database.GetDbConnection()).Handle!;
        const string Sql = "INSERT INTO Tasks (ComputationId, Key, Prefix, State, Worker, Nbytes, StartedAt, StoppedAt, EndedAt, Error) " +
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
        Check(handle, raw.sqlite3_prepare_v2(handle, Sql, out var stmt));
        using (stmt)
        {
            foreach (var t in tasks)
            {
                if (!_computationIds.TryGetValue(t.Computation, out var id)) continue; // started before history was on
                raw.sqlite3_bind_int64(stmt, 1, id);
                raw.sqlite3_bind_text(stmt, 2, t.Key);
                raw.sqlite3_bind_text(stmt, 3, t.Prefix);
                raw.sqlite3_bind_text(stmt, 4, t.State);
                BindText(stmt, 5, t.Worker);
                raw.sqlite3_bind_int64(stmt, 6, t.Nbytes);
                BindText(stmt, 7, t.Start is { } a ? Text(a) : null);
                BindText(stmt, 8, t.Stop is { } e ? Text(e) : null);
                raw.sqlite3_bind_text(stmt, 9, Text(t.Time));
                BindText(stmt, 10, t.Error);
                int rc = raw.sqlite3_step(stmt);
                if (rc != raw.SQLITE_DONE) Check(handle, rc);
                raw.sqlite3_reset(stmt);
            }
        }
    }

    private static void BindText(sqlite3_stmt stmt, int index, string? value)
    {
        if (value == null) raw.sqlite3_bind_null(stmt, index);
        else raw.sqlite3_bind_text(stmt, index, value);
    }

    private static void Check(sqlite3 db, int rc)
    {
        if (rc != raw.SQLITE_OK) throw new SqliteException(raw.sqlite3_errmsg(db).utf8_to_string(), rc);
    }

    /// <summary>A time as EF Core's SQLite provider stores DateTime (so that its queries compare and read it).</summary>
    private static string Text(double unixSeconds) =>
        Utc(unixSeconds).ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", System.Globalization.CultureInfo.InvariantCulture);

    internal static DateTime Utc(double unixSeconds) => DateTime.UnixEpoch.AddSeconds(unixSeconds);
}
