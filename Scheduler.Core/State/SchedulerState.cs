using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Scheduler.Core.Config;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

/// <summary>
/// The scheduler's whole state and its only mutator: a deterministic state machine. Each
/// <see cref="Handle"/> call takes one stimulus, runs transitions until no recommendation is left,
/// and returns the commands (messages, replies, I/O requests) the host must carry out. No I/O, no
/// locks, no clock reads: the one actor thread that calls it owns it.
/// </summary>
public sealed partial class SchedulerState
{
    public const string FireAndForget = "fire-and-forget";

    private readonly List<Command> _commands = [];
    private readonly ILogger _log;
    private long _taskSequence;

    public SchedulerState(SchedulerConfig config, SchedulerIdentity identity, ILogger? logger = null)
    {
        Config = config;
        Identity = identity;
        _log = logger ?? NullLogger.Instance;
        Queued = new TaskHeap();
        TransitionLog = new TransitionLog(config.TransitionLogLength);
        Clients[FireAndForget] = new ClientState(FireAndForget);
    }

    public SchedulerConfig Config { get; }

    /// <summary>Recent transitions with their stimulus ids (get_story; the REST API's task stories).</summary>
    public TransitionLog TransitionLog { get; }
    public SchedulerIdentity Identity { get; }

    /// <summary>Seconds since the epoch of the stimulus being handled.</summary>
    public double Now { get; private set; }

    public Dictionary<string, TaskState> Tasks { get; } = [];
    public SortedDictionary<string, WorkerState> Workers { get; } = new(StringComparer.Ordinal);
    public HashSet<WorkerState> Running { get; } = [];
    public Dictionary<string, ClientState> Clients { get; } = [];
    public Dictionary<string, TaskPrefix> Prefixes { get; } = [];
    public Dictionary<string, TaskGroup> Groups { get; } = [];
    /// <summary>Root-ish tasks waiting for a free worker slot, in priority order.</summary>
    public TaskHeap Queued { get; }
    /// <summary>Tasks no current worker can run (restrictions, or no workers at all).</summary>
    public HashSet<TaskState> Unrunnable { get; } = [];
    /// <summary>Worker name -> address (names are unique; clients may restrict by name).</summary>
    public Dictionary<object, string> Aliases { get; } = new(MsgValueComparer.Instance);

    public int TotalNThreads { get; private set; }
    public long TaskCounter { get; private set; }
    private int _generation;
    private double _lastGenerationTime = double.NegativeInfinity;

    /// <summary>Handles one stimulus; the returned list is valid until the next call.</summary>
    public IReadOnlyList<Command> Handle(Stimulus stimulus)
    {
        _commands.Clear();
        _openFreeKeys.Clear();
        _historyEvents.Clear();
        Now = stimulus.Time;
        RunDueDeadlines(stimulus is Wakeup);
        switch (stimulus)
        {
            case ClientConnected c: OnClientConnected(c); break;
            case ClientStreamOp c: OnClientOp(c); break;
            case ClientDisconnected c: OnClientDisconnected(c); break;
            case WorkerConnected w: OnWorkerConnected(w); break;
            case WorkerStreamOp w: OnWorkerOp(w); break;
            case WorkerDisconnected w: OnWorkerDisconnected(w); break;
            case NannyStartEnded n: OnNannyStartEnded(n); break;
            case RpcRequest r: OnRpc(r); break;
            case DataFetched d: OnDataFetched(d); break;
            case DataPushed d: OnDataPushed(d); break;
            case ReplicateRoundDone rd: OnReplicateRoundDone(rd); break;
            case RpcCompleted rc: OnRpcCompleted(rc); break;
            case ProgressFeedPoll p: OnProgressFeedPoll(p); break;
            case StateQuery q: Emit(new Reply(q.ReplyId, q.Read(this))); break;
            case ProgressFeedClosed c: OnProgressFeedClosed(c); break;
            case Tick: OnTick(); break;
            case Wakeup: break; // due deadlines ran above
            case ContinueGraph: OnContinueGraph(); break;
            default: throw new ArgumentException($"unknown stimulus {stimulus.GetType().Name}");
        }
        if (_pendingRestarts.Count > 0) CheckPendingRestarts();
        if (_pendingWorkerRestarts.Count > 0) CheckPendingWorkerRestarts();
        if (_retiring.Count > 0) AdvanceRetirements();
        RequestWakeup();
        if (Config.Validate) StateValidator.Validate(this);
        return _commands;
    }

    private void Emit(Command c)
    {
        // Conservative: whatever else is said to a worker comes after the free-keys already queued for it.
        if (_openFreeKeys.Count > 0) _openFreeKeys.Clear();
        _commands.Add(c);
    }

    private void SendToWorker(WorkerState ws, WorkerOp msg) => SendToWorker(ws.Address, msg);

    private void SendToWorker(string address, WorkerOp msg)
    {
        if (_openFreeKeys.Count > 0) _openFreeKeys.Remove(address);
        _commands.Add(new ToWorker(address, msg));
    }

    /// <summary>
    /// This turn's free-keys message to each worker that nothing else was sent to after it: a key released in the
    /// same turn joins it instead of making a message of its own (a graph released at once frees one key per task;
    /// Dask sends a message each). The worker frees a list of keys as it frees one, and as any other message to
    /// that worker closes its entry, the worker sees everything in the order it was said.
    /// </summary>
    private readonly Dictionary<string, (string Sid, List<string> Keys)> _openFreeKeys = new(StringComparer.Ordinal);

    private void FreeKeyOn(string address, string key, string sid)
    {
        if (_openFreeKeys.TryGetValue(address, out var open) && open.Sid == sid)
        {
            open.Keys.Add(key);
            return;
        }
        var keys = new List<string>(1) { key };
        _commands.Add(new ToWorker(address, new FreeKeys(keys, sid)));
        _openFreeKeys[address] = (sid, keys);
    }

    private void SendToClient(ClientState cs, ClientOp msg)
    {
        if (cs.Connected) _commands.Add(new ToClient(cs.Id, msg));
    }

    /// <summary>Dask's report(): a message about a key goes to every client wanting it (and the named one); one
    /// about no task, to every client.</summary>
    private void Report(ClientOp msg, TaskState? ts, string? client = null)
    {
        var sent = new HashSet<string>();
        if (ts != null)
            foreach (var cs in ts.WhoWants)
                if (sent.Add(cs.Id)) SendToClient(cs, msg);
        if (client != null && sent.Add(client) && Clients.TryGetValue(client, out var named)) SendToClient(named, msg);
        if (ts == null && client == null)
            foreach (var cs in Clients.Values) SendToClient(cs, msg);
    }

    /// <summary>Clients are told a key is cancelled (each in its own dialect's op, which the host writes).</summary>
    private void ReportCancelled(string key, TaskState? ts, string? client = null)
    {
        if (ts == null) Tasks.TryGetValue(key, out ts);
        Report(new KeyCancelled(key), ts, client);
    }

    private TaskState NewTask(string key, object? runSpec) =>
        NewTask(key, runSpec, GetOrCreateGroup(TaskKeys.KeySplitGroup(key), key));

    private TaskState NewTask(string key, object? runSpec, TaskGroup group) => Tasks[key] = CreateTask(key, runSpec, group);

    /// <summary>A new task state, not yet in <see cref="Tasks"/> (the caller inserts it).</summary>
    private TaskState CreateTask(string key, object? runSpec, TaskGroup group)
    {
        group.OnCreated();
        return new TaskState(key, runSpec, group, _taskSequence++);
    }

    /// <summary>The group <paramref name="groupName"/> (key_split_group of <paramref name="key"/>), created with its
    /// prefix on first use. key_split only depends on what the group name also depends on, so a known group gives
    /// the prefix without splitting the key again (a large graph has few groups).</summary>
    private TaskGroup GetOrCreateGroup(string groupName, string key)
    {
        if (Groups.TryGetValue(groupName, out var group)) return group;
        var prefixName = TaskKeys.KeySplit(key);
        if (!Prefixes.TryGetValue(prefixName, out var prefix))
        {
            double initial = Config.DefaultTaskDurations.TryGetValue(prefixName, out var d) ? d : -1;
            Prefixes[prefixName] = prefix = new TaskPrefix(prefixName, initial);
        }
        Groups[groupName] = group = new TaskGroup(groupName, prefix);
        return group;
    }

    private double GetTaskDuration(TaskState ts) =>
        ts.Prefix.DurationAverage >= 0 ? ts.Prefix.DurationAverage : Config.UnknownTaskDuration;

    private long GetNbytes(TaskState ts) => ts.Nbytes >= 0 ? ts.Nbytes : Config.DefaultDataSize;

    private static string StimulusId(string what, double now) =>
        what + "-" + now.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Who this scheduler is, reported by identity. The address and dashboard port are known
/// once the host has bound its ports (before any peer can connect).</summary>
public sealed class SchedulerIdentity(string id, double started)
{
    public string Id { get; } = id;
    public double Started { get; } = started;
    public volatile string Address = "tcp://127.0.0.1:8786";
    public int? DashboardPort { get; set; }
}

/// <summary>Orders tasks by priority, then creation order, so that sorted sets hold distinct tasks.</summary>
public sealed class PriorityComparer : IComparer<TaskState>
{
    public static readonly PriorityComparer Instance = new();

    public int Compare(TaskState? x, TaskState? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        int c = x.Priority is null
            ? (y.Priority is null ? 0 : 1)
            : (y.Priority is null ? -1 : x.Priority.Value.CompareTo(y.Priority.Value));
        return c != 0 ? c : x.Sequence.CompareTo(y.Sequence);
    }
}
