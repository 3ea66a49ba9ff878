namespace Scheduler.Core.Graph.Order2024;

// The second half of order(): pick a strategy, then build and walk critical paths until every node has a
// number. Names follow order.py so the two read side by side; Python sets become NodeSets or flags, and where
// Python iterates a set in hash order we go by ascending position (see DaskOrder2024's remarks).
internal sealed partial class Order2024Run
{
    /// <summary>result[key], valid where <see cref="_inResult"/>.</summary>
    private readonly long[] _result;
    private readonly bool[] _inResult;
    private int _resultCount;
    private long _i;

    private readonly NodeSet _leafNodes, _rootNodes;
    private readonly bool[] _runnableHull;
    private readonly bool[] _reachableHull;
    private int _reachableHullCount;
    /// <summary><c>reachable_hull &amp; leaf_nodes</c>, kept up to date so get_target need not intersect.</summary>
    private readonly NodeSet _reachableLeaves;
    private readonly List<int> _runnable = [];
    /// <summary>known_runnable_paths (null: not a key).</summary>
    private readonly List<List<int>>?[] _knownRunnablePaths;
    private int[] _numNeeded = [];
    private readonly NodeSet _leafsConnectedToLoadedRoots;
    private readonly List<int> _processedRoots = [];
    private readonly List<int> _criticalPath = [];

    private bool _longestPath;
    private readonly List<int> _leafNodesSorted = [];
    /// <summary>The leaves by sort_key, for <c>min(leaf_nodes, key=sort_key)</c>: leaves only leave the set, so a
    /// pointer past the ones already run finds the minimum.</summary>
    private int[] _leavesAscending = [];
    private int _leavesAscendingNext;

    // Scratch.
    private readonly List<int> _nextItems = [];
    private readonly List<int> _dataStack = [];
    private readonly List<int> _tmp = [];
    private readonly List<int> _candidates = [];
    private readonly Queue<(int NSplits, List<int> Path)> _branches = new();
    private readonly Comparison<int> _bySortKey;

    public Order2024Run(OrderGraph g, bool[] notTask, int external0)
    {
        _n = g.N;
        _external0 = external0;
        _keys = g.Keys;
        _notTask = notTask;
        _removed = new bool[_n];
        _requiresDataTask = new List<int>?[_n];
        _result = new long[_n];
        _inResult = new bool[_n];
        _leafNodes = new NodeSet(_n);
        _rootNodes = new NodeSet(_n);
        _runnableHull = new bool[_n];
        _reachableHull = new bool[_n];
        _reachableLeaves = new NodeSet(_n);
        _knownRunnablePaths = new List<List<int>>?[_n];
        _leafsConnectedToLoadedRoots = new NodeSet(_n);
        _bySortKey = (a, b) => _rank[a].CompareTo(_rank[b]);
        Normalize(g);
        ComputeSortKeys();
    }

    private void SetResult(int x, long priority)
    {
        _result[x] = priority;
        _inResult[x] = true;
        _resultCount++;
    }

    public long[] Run()
    {
        _numNeeded = new int[_n];
        for (int x = 0; x < _n; x++) _numNeeded[x] = _removed[x] ? 0 : NumDependencies(x);

        _longestPath = UseLongestPath();
        var leaves = _leafNodes.Items.ToArray();
        Array.Sort(leaves, _bySortKey);
        _leavesAscending = leaves;
        if (_longestPath) _leafNodesSorted.AddRange(leaves);

        while (_resultCount < _n)
        {
            // A. Build the critical path
            int target = GetTarget();
            _criticalPath.Add(target);
            // next_deps = dependencies[target] (not filtered by result, unlike the next ones)
            var nextDeps = _tmp;
            nextDeps.Clear();
            for (int e = _depStart[target]; e < _depStart[target + 1]; e++) nextDeps.Add(_deps[e]);
            while (nextDeps.Count > 0)
            {
                int item = nextDeps[0];
                foreach (var d in nextDeps)
                    if (_rank[d] > _rank[item]) item = d;
                _criticalPath.Add(item);
                nextDeps.Clear();
                for (int e = _depStart[item]; e < _depStart[item + 1]; e++)
                    if (!_inResult[_deps[e]]) nextDeps.Add(_deps[e]);
                _criticalPath.AddRange(nextDeps);
            }

            // B. Walk the critical path
            bool walkedBack = false;
            while (_criticalPath.Count > 0)
            {
                int item = _criticalPath[^1];
                _criticalPath.RemoveAt(_criticalPath.Count - 1);
                if (_inResult[item]) continue;
                if (_numNeeded[item] != 0)
                {
                    _criticalPath.Add(item);
                    var deps = _tmp;
                    deps.Clear();
                    for (int e = _depStart[item]; e < _depStart[item + 1]; e++)
                        if (!_inResult[_deps[e]]) deps.Add(_deps[e]);
                    deps.Sort(_bySortKey);
                    int unknown = 0;
                    foreach (var d in deps)
                        if (_knownRunnablePaths[d] == null) unknown++;
                    if (unknown > 1) walkedBack = true;
                    foreach (var d in deps)
                        if (_knownRunnablePaths[d] == null) _criticalPath.Add(d);
                    foreach (var d in deps)
                    {
                        var paths = _knownRunnablePaths[d];
                        if (paths == null) continue;
                        _knownRunnablePaths[d] = null;
                        foreach (var path in paths)
                            for (int j = path.Count - 1; j >= 0; j--) _criticalPath.Add(path[j]);
                    }
                    continue;
                }
                if (walkedBack && _runnable.Count < _criticalPath.Count) ProcessRunnables();
                AddToResult(item);
            }
            ProcessRunnables();
        }

        var priorities = new long[_external0];
        Array.Copy(_result, priorities, _external0);
        return priorities;
    }

    private bool UseLongestPath()
    {
        int roots = _rootNodes.Count;
        if (roots == 0) throw new InvalidOperationException("dask order: no root left (division by zero in use_longest_path)");
        if ((double)Math.Abs(roots - _leafNodes.Count) / roots < 0.8)
        {
            // The first root with a non-zero count sets the size; a later one that differs (zero included) ends it.
            var rs = _rootNodes.Items.ToArray();
            Array.Sort(rs);
            int size = 0;
            foreach (var r in rs)
            {
                int c = _leafsConnected[r].Count;
                if (size == 0) size = c;
                else if (size != c) return false;
            }
        }
        return true;
    }

    private int GetTarget()
    {
        bool reachable = _reachableHullCount > 0;
        bool allLeafsAccessible = _leafsConnectedToLoadedRoots.Count >= _leafNodes.Count;
        // Which set `candidates` is: leaf_nodes, reachable_hull & leaf_nodes, or leafs_connected_to_loaded_roots.
        NodeSet candidates = _leafNodes;
        if (reachable && !allLeafsAccessible)
        {
            if (_reachableLeaves.Count == 0)
            {
                foreach (var r in _processedRoots)
                {
                    _tmp.Clear();
                    _leafsConnected[r].AddTo(_tmp);
                    foreach (var o in _tmp) _leafsConnectedToLoadedRoots.Add(_leafOfOrdinal[o]);
                }
                _processedRoots.Clear();
                // intersection_update(leaf_nodes)
                _leafsConnectedToLoadedRoots.CopyTo(_tmp);
                foreach (var x in _tmp)
                    if (!_leafNodes.Contains(x)) _leafsConnectedToLoadedRoots.Remove(x);
                candidates = _leafsConnectedToLoadedRoots;
            }
            else
            {
                foreach (var x in _reachableLeaves.Items) _leafsConnectedToLoadedRoots.Add(x);
                candidates = _reachableLeaves;
            }
        }
        else if (!reachable)
        {
            _leafsConnectedToLoadedRoots.Clear();
        }

        if (_longestPath && (!reachable || allLeafsAccessible))
        {
            if (_leafNodesSorted.Count == 0) throw new InvalidOperationException("dask order: pop from an empty leaf_nodes_sorted");
            int last = _leafNodesSorted[^1];
            _leafNodesSorted.RemoveAt(_leafNodesSorted.Count - 1);
            return last;
        }
        if (!reachable)
        {
            // min(leaf_nodes, key=sort_key)
            while (_leavesAscendingNext < _leavesAscending.Length && !_leafNodes.Contains(_leavesAscending[_leavesAscendingNext]))
                _leavesAscendingNext++;
            if (_leavesAscendingNext == _leavesAscending.Length) throw new InvalidOperationException("dask order: min() of no candidates");
            return _leavesAscending[_leavesAscendingNext];
        }
        // min(candidates, key=lambda k: (num_needed[k], sort_key(k)))
        int best = -1;
        foreach (var x in candidates.Items)
            if (best < 0 || _numNeeded[x] < _numNeeded[best] || (_numNeeded[x] == _numNeeded[best] && _rank[x] < _rank[best]))
                best = x;
        if (best < 0) throw new InvalidOperationException("dask order: min() of no candidates");
        return best;
    }
}
