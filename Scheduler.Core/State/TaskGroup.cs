namespace Scheduler.Core.State;

/// <summary>
/// Tasks sharing a key prefix (<c>key_split</c>): the unit of duration estimates, seeded from
/// distributed.scheduler.default-task-durations and updated from each "compute" start/stop.
/// </summary>
public sealed class TaskPrefix(string name, double initialDuration)
{
    public string Name { get; } = name;

    /// <summary>Exponentially weighted average compute duration in seconds; negative = unknown.</summary>
    public double DurationAverage { get; set; } = initialDuration;

    public int Suspicious { get; set; }

    private readonly long[] _stateTotals = new long[8];

    /// <summary>Transitions into <paramref name="s"/> ever made by this prefix's tasks (Dask's TaskPrefix.state_counts).</summary>
    public long TotalInto(TaskStatus s) => _stateTotals[(int)s];

    internal void CountInto(TaskStatus s) => _stateTotals[(int)s]++;

    public void AddDuration(string action, double start, double stop)
    {
        if (action != "compute") return;
        double d = stop - start;
        DurationAverage = DurationAverage < 0 ? d : 0.5 * d + 0.5 * DurationAverage;
    }
}

/// <summary>
/// Tasks sharing a group name (<c>key_split_group</c>). Its size and dependencies decide whether a task
/// is "root-ish" (queued instead of assigned eagerly).
/// </summary>
public sealed class TaskGroup(string name, TaskPrefix prefix)
{
    private readonly int[] _states = new int[8];

    public string Name { get; } = name;
    public TaskPrefix Prefix { get; } = prefix;
    public HashSet<TaskGroup> Dependencies { get; } = [];

    /// <summary>Tasks ever added to the group and not removed with it (Dask counts forgotten ones too).</summary>
    public int Count { get; private set; }

    public int CountIn(TaskStatus s) => _states[(int)s];

    /// <summary>Co-assignment without queuing: the worker that got this group's previous root task.</summary>
    public WorkerState? LastWorker { get; set; }

    /// <summary>How many more of this group's root tasks go to <see cref="LastWorker"/>.</summary>
    public long LastWorkerTasksLeft { get; set; }

    internal void OnCreated()
    {
        Count++;
        _states[(int)TaskStatus.Released]++;
        Prefix.CountInto(TaskStatus.Released);
    }

    internal void OnStatusChange(TaskStatus from, TaskStatus to)
    {
        _states[(int)from]--;
        _states[(int)to]++;
        Prefix.CountInto(to);
    }

    /// <summary>True when every task of the group is forgotten (the group can be dropped).</summary>
    public bool AllForgotten => _states[(int)TaskStatus.Forgotten] == Count;
}
