using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

/// <summary>
/// One task as the scheduler knows it (Dask's <c>TaskState</c>). Mutated only by
/// <see cref="SchedulerState"/> on the actor thread.
/// </summary>
public sealed class TaskState(string key, object? runSpec, TaskGroup group, long sequence)
{
    public string Key { get; } = key;

    /// <summary>
    /// The task spec as the client sent it: a map with function/args/kwargs (bin), a Serialized, or null
    /// for pure data (scattered values, placeholders). Never inspected beyond its shape.
    /// </summary>
    public object? RunSpec { get; set; } = runSpec;

    public TaskStatus Status { get; private set; } = TaskStatus.Released;
    public TaskGroup Group { get; } = group;
    public TaskPrefix Prefix => Group.Prefix;

    /// <summary>Creation order: a stable tie-breaker for sets ordered by priority.</summary>
    public long Sequence { get; } = sequence;

    /// <summary>Position in the scheduler's queue (<see cref="TaskHeap"/>) while queued, else -1.</summary>
    internal int QueueIndex { get; set; } = -1;

    public Priority? Priority { get; set; }

    /// <summary>The Dask version of the client whose graph defined the task (its run spec is in that version's
    /// form), or null for data; in a cluster of workers of several versions it runs only on workers of this one.</summary>
    public Protocol.Dialects.DaskDialect? Dialect { get; set; }

    /// <summary>The id of the task's latest dispatch (compute-task's run_id): reports of another run are stale.</summary>
    public long RunId { get; set; } = -1;

    public TaskSet<TaskState> Dependencies { get; } = new();
    public TaskSet<TaskState> Dependents { get; } = new();
    /// <summary>Dependencies not yet in memory.</summary>
    public TaskSet<TaskState> WaitingOn { get; } = new();
    /// <summary>Dependents that still need this task's result.</summary>
    public TaskSet<TaskState> Waiters { get; } = new();
    public TaskSet<ClientState> WhoWants { get; } = new();
    public TaskSet<WorkerState> WhoHas { get; } = new();

    public WorkerState? ProcessingOn { get; set; }
    public long Nbytes
    {
        get => _nbytes;
        set
        {
            _nbytes = value;
            _boxedNbytes = null;
        }
    }
    private long _nbytes = -1;

    /// <summary>Nbytes boxed once: every compute-task of a dependent lists it (messages are never changed).</summary>
    internal object BoxedNbytes => _boxedNbytes ??= _nbytes;
    private object? _boxedNbytes;
    /// <summary>Pickled Python type of the result, forwarded opaquely in key-in-memory.</summary>
    public byte[]? Type { get; set; }
    public string? TypeName { get; set; }

    public int Retries { get; set; }
    public int Suspicious { get; set; }
    public bool HasLostDependencies { get; set; }
    public bool Actor { get; set; }

    /// <summary>The graph submission that created this task (history); null for scattered data and placeholders.</summary>
    public ComputationState? Computation { get; set; }
    /// <summary>Whether the task's end (memory, erred, cancelled) was counted for its computation.</summary>
    public bool Ended { get; set; }

    // Errors, restrictions and annotations: few tasks ever have any, so they live in one object made on the first
    // value set (a null set on a task without one makes nothing). That keeps nine references out of every task.
    private sealed class RareFields
    {
        public object? Exception, Traceback;
        public string? ExceptionText, TracebackText;
        public TaskState? ExceptionBlame;
        public HashSet<string>? ErredOn, WorkerRestrictions, HostRestrictions;
        public MsgMap? ResourceRestrictions, Annotations;
        public bool LooseRestrictions;
    }

    private RareFields? _rare;
    private RareFields Rare => _rare ??= new RareFields();

    /// <summary>Sets a rare field; a default value on a task that has none changes nothing and makes nothing.</summary>
    private void SetRare<T>(T value, Action<RareFields, T> set)
    {
        if (_rare != null || !EqualityComparer<T>.Default.Equals(value, default)) set(Rare, value);
    }

    public object? Exception { get => _rare?.Exception; set => SetRare(value, static (r, v) => r.Exception = v); }
    public object? Traceback { get => _rare?.Traceback; set => SetRare(value, static (r, v) => r.Traceback = v); }
    public string? ExceptionText { get => _rare?.ExceptionText; set => SetRare(value, static (r, v) => r.ExceptionText = v); }
    public string? TracebackText { get => _rare?.TracebackText; set => SetRare(value, static (r, v) => r.TracebackText = v); }
    public TaskState? ExceptionBlame { get => _rare?.ExceptionBlame; set => SetRare(value, static (r, v) => r.ExceptionBlame = v); }

    /// <summary>Workers on which the task erred; allocated on the first use.</summary>
    public HashSet<string> ErredOn => Rare.ErredOn ??= [];

    public HashSet<string>? WorkerRestrictions { get => _rare?.WorkerRestrictions; set => SetRare(value, static (r, v) => r.WorkerRestrictions = v); }
    public HashSet<string>? HostRestrictions { get => _rare?.HostRestrictions; set => SetRare(value, static (r, v) => r.HostRestrictions = v); }
    public MsgMap? ResourceRestrictions { get => _rare?.ResourceRestrictions; set => SetRare(value, static (r, v) => r.ResourceRestrictions = v); }
    public bool LooseRestrictions { get => _rare?.LooseRestrictions ?? false; set => SetRare(value, static (r, v) => r.LooseRestrictions = v); }

    /// <summary>Annotations from the graph (most tasks have none: allocated on the first).</summary>
    public MsgMap? Annotations => _rare?.Annotations;

    public void Annotate(string name, object? value) => (Rare.Annotations ??= new MsgMap()).Set(name, value);

    public bool HasRestrictions =>
        WorkerRestrictions is { Count: > 0 } || HostRestrictions is { Count: > 0 } || ResourceRestrictions is { Count: > 0 };

    internal void SetStatus(TaskStatus status)
    {
        Group.OnStatusChange(Status, status);
        Status = status;
    }

    // Identity semantics, with a hash that costs nothing: every set and recommendation map holds tasks, and the
    // runtime's identity hash is slower to produce on first use of each object.
    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    public override int GetHashCode() => (int)Sequence ^ (int)(Sequence >> 32);

    public override string ToString() => $"<TaskState {Key} {Status.Wire()}>";
}
