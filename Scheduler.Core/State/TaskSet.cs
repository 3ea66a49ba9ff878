using System.Collections;
using System.Runtime.CompilerServices;

namespace Scheduler.Core.State;

/// <summary>
/// A set of references for the per-task relations (dependencies, dependents, who has/wants a key...).
/// Almost all of them hold zero to a few items, and a scheduler holds six of them per task, so a
/// <see cref="HashSet{T}"/> each (about 200 bytes once it holds one item) dominated the memory and the
/// allocation cost of a big graph. This one keeps up to <see cref="Linear"/> items in a small array,
/// searched by reference, and switches to a HashSet beyond that. It iterates in insertion order while
/// small and fails fast when modified during enumeration, like HashSet.
/// </summary>
public sealed class TaskSet<T> : IReadOnlyCollection<T> where T : class
{
    private const int Linear = 8;

    private T[]? _items;
    private HashSet<T>? _set;
    private int _count;
    private int _version;

    public int Count => _set?.Count ?? _count;

    public bool Contains(T item)
    {
        if (_set != null) return _set.Contains(item);
        var items = _items;
        for (int i = 0; i < _count; i++)
            if (ReferenceEquals(items![i], item)) return true;
        return false;
    }

    public bool Add(T item)
    {
        if (_set != null)
        {
            if (!_set.Add(item)) return false;
            _version++;
            return true;
        }
        if (Contains(item)) return false;
        if (_items == null) _items = new T[2];
        else if (_count == _items.Length)
        {
            if (_count == Linear)
            {
                _set = new HashSet<T>(_items);
                _set.Add(item);
                _items = null;
                _count = 0;
                _version++;
                return true;
            }
            Array.Resize(ref _items, _count * 2);
        }
        _items[_count++] = item;
        _version++;
        return true;
    }

    public bool Remove(T item)
    {
        if (_set != null)
        {
            if (!_set.Remove(item)) return false;
            _version++;
            return true;
        }
        for (int i = 0; i < _count; i++)
        {
            if (!ReferenceEquals(_items![i], item)) continue;
            // Shift rather than swap: iteration stays in insertion order, which keeps runs reproducible.
            Array.Copy(_items, i + 1, _items, i, _count - i - 1);
            _items[--_count] = null!;
            _version++;
            return true;
        }
        return false;
    }

    public void Clear()
    {
        if (Count == 0) return;
        _set = null;
        _items = null;
        _count = 0;
        _version++;
    }

    public bool IsSubsetOf(TaskSet<T> other)
    {
        foreach (var item in this)
            if (!other.Contains(item)) return false;
        return true;
    }

    public Enumerator GetEnumerator() => new(this);

    IEnumerator<T> IEnumerable<T>.GetEnumerator() => _set != null ? _set.GetEnumerator() : new Enumerator(this);

    IEnumerator IEnumerable.GetEnumerator() => ((IEnumerable<T>)this).GetEnumerator();

    /// <summary>Allocation-free enumeration for foreach.</summary>
    public struct Enumerator : IEnumerator<T>
    {
        private readonly TaskSet<T> _owner;
        private readonly int _version;
        private HashSet<T>.Enumerator _setEnumerator;
        private readonly bool _useSet;
        private int _index;

        internal Enumerator(TaskSet<T> owner)
        {
            _owner = owner;
            _version = owner._version;
            _useSet = owner._set != null;
            _setEnumerator = _useSet ? owner._set!.GetEnumerator() : default;
            _index = -1;
            Current = null!;
        }

        public T Current { get; private set; }

        object IEnumerator.Current => Current;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool MoveNext()
        {
            if (_version != _owner._version) throw new InvalidOperationException("TaskSet was modified during enumeration");
            if (_useSet)
            {
                if (!_setEnumerator.MoveNext()) return false;
                Current = _setEnumerator.Current;
                return true;
            }
            if (++_index >= _owner._count) return false;
            Current = _owner._items![_index];
            return true;
        }

        public void Reset() => throw new NotSupportedException();

        public void Dispose() { }
    }
}
