using System.Collections;

namespace Scheduler.Core.Protocol;

/// <summary>
/// A decoded msgpack map. Dask messages are dynamic maps keyed by strings (and, inside Blockwise
/// io-deps, by arrays), so keys are generic values compared structurally. Insertion order is kept,
/// because re-encoding must reproduce Python's dict order byte for byte.
/// </summary>
public sealed class MsgMap : IEnumerable<KeyValuePair<object?, object?>>
{
    // Most messages have fewer than a dozen fields: a linear scan beats hashing there.
    // An index is built only when a large map is looked up (graph layers with 100k keys).
    private const int IndexThreshold = 12;
    private readonly List<KeyValuePair<object?, object?>> _items;
    private Dictionary<object, int>? _index;

    public MsgMap() => _items = [];
    public MsgMap(int capacity) => _items = new(capacity);

    public int Count => _items.Count;

    public object? this[object key]
    {
        get => TryGetValue(key, out var v) ? v : null;
        set => Set(key, value);
    }

    public MsgMap Add(object? key, object? value)
    {
        _items.Add(new(key, value));
        if (_index != null && key != null) _index.TryAdd(key, _items.Count - 1);
        return this;
    }

    public void Set(object key, object? value)
    {
        int i = IndexOf(key);
        if (i >= 0) _items[i] = new(key, value);
        else Add(key, value);
    }

    public bool Remove(object key)
    {
        int i = IndexOf(key);
        if (i < 0) return false;
        _items.RemoveAt(i);
        _index = null;
        return true;
    }

    public bool ContainsKey(object key) => IndexOf(key) >= 0;

    public bool TryGetValue(object key, out object? value)
    {
        int i = IndexOf(key);
        if (i < 0) { value = null; return false; }
        value = _items[i].Value;
        return true;
    }

    private int IndexOf(object key)
    {
        if (_items.Count <= IndexThreshold)
        {
            if (key is string s)
            {
                // The usual lookup (msg["op"], msg["key"]): a string only ever equals a string key, and decoded
                // field names are shared instances, so the reference check mostly decides.
                for (int i = 0; i < _items.Count; i++)
                    if (_items[i].Key is string k && (ReferenceEquals(k, s) || string.Equals(k, s))) return i;
                return -1;
            }
            for (int i = 0; i < _items.Count; i++)
                if (MsgValueComparer.Instance.Equals(_items[i].Key, key)) return i;
            return -1;
        }
        if (_index == null)
        {
            _index = new Dictionary<object, int>(_items.Count, MsgValueComparer.Instance);
            for (int i = 0; i < _items.Count; i++)
                if (_items[i].Key is { } k) _index.TryAdd(k, i);
        }
        return _index.TryGetValue(key, out int j) ? j : -1;
    }

    /// <summary>A shallow copy: safe to hand to another thread for encoding while this one changes.</summary>
    public MsgMap Copy()
    {
        var m = new MsgMap(_items.Count);
        m._items.AddRange(_items);
        return m;
    }

    // A struct enumerator for foreach (encoding walks every map of every message); the interface ones box.
    public List<KeyValuePair<object?, object?>>.Enumerator GetEnumerator() => _items.GetEnumerator();
    IEnumerator<KeyValuePair<object?, object?>> IEnumerable<KeyValuePair<object?, object?>>.GetEnumerator() => _items.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    public override string ToString() => MsgDebug.Format(this);
}
