namespace Scheduler.Core.State;

/// <summary>
/// Pending transitions, task -> target state. Like the Python dict Dask uses: the most recently
/// inserted task is taken first, and re-recommending a pending task changes its target in place.
/// Keyed by the task object (reference identity), not its key: no string hashing per transition.
/// </summary>
public sealed class Recommendations
{
    private readonly Dictionary<TaskState, TaskStatus> _targets;
    private readonly List<TaskState> _order;

    public Recommendations() : this(0) { }

    public Recommendations(int capacity)
    {
        _targets = new(capacity);
        _order = new(capacity);
    }

    public int Count => _targets.Count;

    public TaskStatus this[TaskState task]
    {
        set
        {
            if (_targets.TryAdd(task, value)) _order.Add(task);
            else _targets[task] = value;
            Capture?.Add((task, value));
        }
    }

    /// <summary>While set, receives every recommendation made (the transition log records each transition's own).</summary>
    internal List<(TaskState Task, TaskStatus Status)>? Capture { get; set; }

    public bool TryGet(TaskState task, out TaskStatus status) => _targets.TryGetValue(task, out status);

    public void Remove(TaskState task) => _targets.Remove(task);

    public bool TryPop(out TaskState task, out TaskStatus status)
    {
        while (_order.Count > 0)
        {
            task = _order[^1];
            _order.RemoveAt(_order.Count - 1);
            if (_targets.Remove(task, out status)) return true;
        }
        task = null!;
        status = default;
        return false;
    }
}
