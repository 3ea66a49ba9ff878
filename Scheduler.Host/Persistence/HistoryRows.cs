using Microsoft.Data.Sqlite;
using SQLitePCL;
using Scheduler.Core.Events;

namespace Scheduler.Host.Persistence;

/// <summary>
/// The history writer's rows, written through SQLite's own API on one connection the writer owns, with statements
/// prepared once and values bound by position. EF Core owns the schema (HistoryDb, its migrations) and every read;
/// the writes bypass it because they are the hot path: a computation per submit, a row per task. Through EF Core
/// (tracked entities, SaveChanges, ExecuteUpdate) each batch cost several times more CPU, and its pipeline, about
/// 1,500 methods, was JIT-compiled twice (tier 0, then tier 1 once called 30 times) during a user's first
/// workloads: measured with bench.py's latency workload, that recompilation was half the scheduler's CPU.
/// The column lists match the InitialHistory migration; HistoryPersistenceTests read these rows back through EF Core.
/// </summary>
public sealed class HistoryRows : IDisposable
{
    private const string InsertComputationSql =
        "INSERT INTO Computations (SchedulerId, Number, Client, SubmittedAt, EndedAt, TaskCount, KeyCount, Keys, Outcome, Memory, Erred, Cancelled) " +
        "VALUES (?1, ?2, ?3, ?4, NULL, ?5, ?6, ?7, 'running', 0, 0, 0)";
    private const string EndComputationSql =
        "UPDATE Computations SET Outcome = ?2, EndedAt = ?3, Memory = ?4, Erred = ?5, Cancelled = ?6 WHERE Id = ?1";
    private const string InsertTaskSql =
        "INSERT INTO Tasks (ComputationId, Key, Prefix, State, Worker, Nbytes, StartedAt, StoppedAt, EndedAt, Error) " +
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
    private const string InsertWorkerEventSql =
        "INSERT INTO WorkerEvents (SchedulerId, Address, Name, Kind, Reason, NThreads, MemoryLimit, At) " +
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

    private readonly SqliteConnection _connection;
    private readonly sqlite3 _db;
    private readonly string _schedulerId;
    private readonly sqlite3_stmt _insertComputation, _endComputation, _insertTask, _insertWorkerEvent;

    public HistoryRows(string connectionString, string schedulerId)
    {
        _schedulerId = schedulerId;
        _connection = new SqliteConnection(connectionString);
        _connection.Open();
        _db = _connection.Handle!;
        // As SqlitePragmas does for EF Core's connections: in WAL mode a commit survives a crash of the process.
        Exec("PRAGMA synchronous=NORMAL;");
        _insertComputation = Prepare(InsertComputationSql);
        _endComputation = Prepare(EndComputationSql);
        _insertTask = Prepare(InsertTaskSql);
        _insertWorkerEvent = Prepare(InsertWorkerEventSql);
    }

    public SqliteTransaction Begin() => _connection.BeginTransaction();

    /// <summary>Inserts a running computation and returns its row id.</summary>
    public long InsertComputation(ComputationStarted c)
    {
        var s = _insertComputation;
        Text(s, 1, _schedulerId);
        raw.sqlite3_bind_int64(s, 2, c.Id);
        Text(s, 3, c.Client);
        Text(s, 4, Time(c.Time));
        raw.sqlite3_bind_int(s, 5, c.Tasks);
        raw.sqlite3_bind_int(s, 6, c.KeyCount);
        Text(s, 7, string.Join('\n', c.Keys));
        Step(s);
        return raw.sqlite3_last_insert_rowid(_db);
    }

    public void EndComputation(long id, ComputationEnded c)
    {
        var s = _endComputation;
        raw.sqlite3_bind_int64(s, 1, id);
        Text(s, 2, c.Outcome);
        Text(s, 3, Time(c.Time));
        raw.sqlite3_bind_int(s, 4, c.Memory);
        raw.sqlite3_bind_int(s, 5, c.Erred);
        raw.sqlite3_bind_int(s, 6, c.Cancelled);
        Step(s);
    }

    public void InsertTask(long computationId, TaskEnded t)
    {
        var s = _insertTask;
        raw.sqlite3_bind_int64(s, 1, computationId);
        Text(s, 2, t.Key);
        Text(s, 3, t.Prefix);
        Text(s, 4, t.State);
        Text(s, 5, t.Worker);
        raw.sqlite3_bind_int64(s, 6, t.Nbytes);
        Text(s, 7, t.Start is { } a ? Time(a) : null);
        Text(s, 8, t.Stop is { } e ? Time(e) : null);
        Text(s, 9, Time(t.Time));
        Text(s, 10, t.Error);
        Step(s);
    }

    public void InsertWorkerEvent(SchedulerEvent e)
    {
        var s = _insertWorkerEvent;
        Text(s, 1, _schedulerId);
        switch (e)
        {
            case WorkerJoined w:
                Text(s, 2, w.Address);
                Text(s, 3, w.Name);
                Text(s, 4, "joined");
                Text(s, 5, null);
                raw.sqlite3_bind_int(s, 6, w.NThreads);
                raw.sqlite3_bind_int64(s, 7, w.MemoryLimit);
                break;
            case WorkerLeft w:
                Text(s, 2, w.Address);
                Text(s, 3, null);
                Text(s, 4, "left");
                Text(s, 5, w.Reason);
                raw.sqlite3_bind_int(s, 6, 0);
                raw.sqlite3_bind_int64(s, 7, 0);
                break;
            default:
                throw new ArgumentException($"not a worker event: {e.GetType().Name}", nameof(e));
        }
        Text(s, 8, Time(e.Time));
        Step(s);
    }

    /// <summary>A time as EF Core's SQLite provider stores DateTime, so that its queries compare and read it.</summary>
    public static string Time(double unixSeconds) =>
        DateTime.UnixEpoch.AddSeconds(unixSeconds).ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", System.Globalization.CultureInfo.InvariantCulture);

    private static void Text(sqlite3_stmt s, int index, string? value)
    {
        if (value == null) raw.sqlite3_bind_null(s, index);
        else raw.sqlite3_bind_text(s, index, value);
    }

    private void Step(sqlite3_stmt s)
    {
        int rc = raw.sqlite3_step(s);
        raw.sqlite3_reset(s);
        if (rc != raw.SQLITE_DONE) Check(rc);
    }

    private sqlite3_stmt Prepare(string sql)
    {
        Check(raw.sqlite3_prepare_v2(_db, sql, out var stmt));
        return stmt;
    }

    private void Exec(string sql) => Check(raw.sqlite3_exec(_db, sql));

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK) throw new SqliteException(raw.sqlite3_errmsg(_db).utf8_to_string(), rc);
    }

    public void Dispose()
    {
        _insertComputation.Dispose();
        _endComputation.Dispose();
        _insertTask.Dispose();
        _insertWorkerEvent.Dispose();
        _connection.Dispose();
    }
}
