namespace Scheduler.Core.State;

/// <summary>
/// Pending transitions, key -> target state. Like the Python dict Dask uses: the most recently
/// inserted key is taken first, and re-recommending a pending key changes its target in place.
/// </summary>
public sealed class Recommendations
{
    private readonly Dictionary<string, TaskStatus> _targets;
    private readonly List<string> _order;

    public Recommendations() : this(0) { }

    public Recommendations(int capacity)
    {
        _targets = new(capacity);
        _order = new(capacity);
    }

    public int Count => _targets.Count;

    public TaskStatus this[string key]
    {
        set
        {
            if (!_targets.ContainsKey(key)) _order.Add(key);
            _targets[key] = value;
        }
    }

    public bool TryGet(string key, out TaskStatus status) => _targets.TryGetValue(key, out status);

    public void Remove(string key) => _targets.Remove(key);

    public bool TryPop(out string key, out TaskStatus status)
    {
        while (_order.Count > 0)
        {
            key = _order[^1];
            _order.RemoveAt(_order.Count - 1);
            if (_targets.Remove(key, out status)) return true;
        }
        key = "";
        status = default;
        return false;
    }
}
