using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
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
                _rows = new HistoryRows(db.Database.GetConnectionString()!, runtime.Identity.Id);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _rows?.Dispose();
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
                // Not cancellable: a SIGTERM arriving mid-write must not roll back (and drop) the batch being written.
                WriteBatch(batch);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        // Shutting down: what is queued is still written (a SIGTERM loses nothing; a SIGKILL loses the last batch).
        while (reader.TryRead(out var events)) batch.AddRange(events);
        if (batch.Count > 0) WriteBatch(batch);
        _rows?.Dispose();
    }

    private void Drain()
    {
        _ = Task.Run(async () =>
        {
            await foreach (var events in _queue.Reader.ReadAllAsync().ConfigureAwait(false)) Interlocked.Add(ref _backlog, -events.Length);
        });
    }

    private HistoryRows? _rows;

    /// <summary>
    /// One transaction per batch, rows in event order. A batch that fails is dropped whole; the computations it
    /// started are forgotten with it, so that their later tasks are not written against ids that were rolled back.
    /// </summary>
    private void WriteBatch(List<SchedulerEvent> batch)
    {
        var rows = _rows!;
        var started = new List<long>();
        try
        {
            using var tx = rows.Begin();
            foreach (var e in batch)
            {
                switch (e)
                {
                    case ComputationStarted c:
                        _computationIds[c.Id] = rows.InsertComputation(c);
                        started.Add(c.Id);
                        break;
                    case TaskEnded t:
                        // A computation that started before history was on has no row.
                        if (_computationIds.TryGetValue(t.Computation, out var id)) rows.InsertTask(id, t);
                        break;
                    case ComputationEnded c:
                        if (_computationIds.Remove(c.Id, out var ended)) rows.EndComputation(ended, c);
                        break;
                    case WorkerJoined or WorkerLeft:
                        rows.InsertWorkerEvent(e);
                        break;
                }
            }
            tx.Commit();
        }
        catch (Exception e) when (e is SqliteException or InvalidOperationException)
        {
            foreach (var number in started) _computationIds.Remove(number);
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
}
