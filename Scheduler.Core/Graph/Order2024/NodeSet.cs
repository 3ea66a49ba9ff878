namespace Scheduler.Core.Graph.Order2024;

/// <summary>
/// A Python set of node indices: membership by flag, and a list of members kept loosely (removed members are
/// dropped when the set is next walked), so adding, removing and walking are all cheap.
/// </summary>
internal sealed class NodeSet(int n)
{
    private readonly bool[] _member = new bool[n];
    private readonly bool[] _listed = new bool[n];
    private readonly List<int> _items = [];

    public int Count { get; private set; }

    public bool Contains(int x) => _member[x];

    public void Add(int x)
    {
        if (_member[x]) return;
        _member[x] = true;
        Count++;
        if (_listed[x]) return;
        _listed[x] = true;
        _items.Add(x);
    }

    /// <summary><c>discard</c> (and <c>remove</c> of a member).</summary>
    public void Remove(int x)
    {
        if (!_member[x]) return;
        _member[x] = false;
        Count--;
    }

    public void Clear()
    {
        foreach (var x in _items)
        {
            _member[x] = false;
            _listed[x] = false;
        }
        _items.Clear();
        Count = 0;
    }

    /// <summary>The members, in no particular order (drops stale entries first).</summary>
    public List<int> Items
    {
        get
        {
            if (_items.Count != Count)
            {
                int w = 0;
                for (int r = 0; r < _items.Count; r++)
                {
                    int x = _items[r];
                    if (_member[x]) _items[w++] = x;
                    else _listed[x] = false;
                }
                _items.RemoveRange(w, _items.Count - w);
            }
            return _items;
        }
    }

    public void CopyTo(List<int> target)
    {
        target.Clear();
        target.AddRange(Items);
    }
}
