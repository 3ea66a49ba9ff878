using System.Collections;

namespace Scheduler.Core.State;

/// <summary>
/// The queued tasks, by priority (Dask's <c>HeapSet</c>): a binary min-heap whose tasks remember their position
/// (<see cref="TaskState.QueueIndex"/>), so that removing any task is O(log n) without a search. It replaces a
/// <see cref="SortedSet{T}"/>, whose node per task cost about 48 bytes and an allocation for each of a million queued
/// root tasks. Only one heap may hold a task at a time (the scheduler has one queue). Enumeration goes in priority
/// order, lazily: taking the first k costs O(k log k).
/// </summary>
public sealed class TaskHeap : IReadOnlyCollection<TaskState>
{
    private TaskState[] _items = new TaskState[16];
    private int _count;
    private int _version;

    public int Count => _count;

    /// <summary>The most urgent task, or null when empty.</summary>
    public TaskState? Min => _count > 0 ? _items[0] : null;

    public bool Contains(TaskState ts)
    {
        int i = ts.QueueIndex;
        return i >= 0 && i < _count && ReferenceEquals(_items[i], ts);
    }

    public bool Add(TaskState ts)
    {
        if (Contains(ts)) return false;
        if (_count == _items.Length) Array.Resize(ref _items, _items.Length * 2);
        Place(ts, _count++);
        SiftUp(ts.QueueIndex);
        _version++;
        return true;
    }

    public bool Remove(TaskState ts)
    {
        if (!Contains(ts)) return false;
        int i = ts.QueueIndex;
        ts.QueueIndex = -1;
        var last = _items[--_count];
        _items[_count] = null!;
        if (i < _count)
        {
            Place(last, i);
            if (!SiftUp(i)) SiftDown(i);
        }
        _version++;
        return true;
    }

    private void Place(TaskState ts, int i)
    {
        _items[i] = ts;
        ts.QueueIndex = i;
    }

    private static bool Less(TaskState a, TaskState b) => PriorityComparer.Instance.Compare(a, b) < 0;

    /// <summary>Moves the task at <paramref name="i"/> up while it is more urgent than its parent; true if it moved.</summary>
    private bool SiftUp(int i)
    {
        var ts = _items[i];
        int start = i;
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (!Less(ts, _items[parent])) break;
            Place(_items[parent], i);
            i = parent;
        }
        Place(ts, i);
        return i != start;
    }

    private void SiftDown(int i)
    {
        var ts = _items[i];
        while (true)
        {
            int child = 2 * i + 1;
            if (child >= _count) break;
            if (child + 1 < _count && Less(_items[child + 1], _items[child])) child++;
            if (!Less(_items[child], ts)) break;
            Place(_items[child], i);
            i = child;
        }
        Place(ts, i);
    }

    /// <summary>In priority order, most urgent first; fails fast when the heap changes meanwhile.</summary>
    public IEnumerator<TaskState> GetEnumerator()
    {
        if (_count == 0) yield break;
        int version = _version;
        // A frontier of heap positions: the next most urgent task is always the frontier's best.
        var frontier = new PriorityQueue<int, TaskState>(PriorityComparer.Instance);
        frontier.Enqueue(0, _items[0]);
        while (frontier.TryDequeue(out int i, out var ts))
        {
            yield return ts;
            if (version != _version) throw new InvalidOperationException("TaskHeap was modified during enumeration");
            int child = 2 * i + 1;
            if (child < _count) frontier.Enqueue(child, _items[child]);
            if (child + 1 < _count) frontier.Enqueue(child + 1, _items[child + 1]);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
