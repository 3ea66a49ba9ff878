using System.Numerics;
using System.Runtime.CompilerServices;

namespace Scheduler.Core.Graph;

// dask.order.ndependencies and dask.order.graph_metrics, and the per-task values order() derives from them.
// The values do not depend on the order in which Python walks its dicts and sets (sums, mins and maxes), so a
// plain stack walk over indices gives the same numbers.
internal sealed partial class DaskOrderRun<T> where T : struct, IBinaryInteger<T>
{
    private readonly int _n;
    private readonly string[] _keys;
    private readonly int[] _depStart, _deps, _dtsStart, _dts;

    /// <summary>ndependencies: 1 + the sum over dependencies (a path count: shared ancestors count again).</summary>
    private readonly T[] _totalDependencies;

    // graph_metrics, one array per tuple field.
    private readonly T[] _totalDependents;
    private readonly T[] _minDependencies;
    private readonly T[] _maxDependencies;
    private readonly int[] _minHeights;
    private readonly int[] _maxHeights;

    /// <summary>order()'s partition_keys.</summary>
    private readonly T[] _partitionKeys;

    /// <summary>
    /// Dense ranks of the partition keys: the same order and the same ties, so the traversal compares ints and
    /// next_nodes/later_nodes (dicts keyed by partition key) become arrays. The exact values are still used where
    /// order() does arithmetic on them.
    /// </summary>
    private readonly int[] _partitionRank;
    private readonly int _rankCount;

    public DaskOrderRun(OrderGraph g)
    {
        _n = g.N;
        _keys = g.Keys;
        _depStart = g.DepStart;
        _deps = g.Deps;
        _dtsStart = g.DtsStart;
        _dts = g.Dts;
        // Python computes ndependencies, then graph_metrics, and only then notices a cycle (len(metrics) !=
        // len(dsk), or a KeyError on the way). Either way the graph is refused. Allocated step by step: with
        // T = long, an overflow (usually in ndependencies) should cost as little as possible before the rerun.
        _totalDependencies = new T[_n];
        bool complete = NDependencies();
        _totalDependents = new T[_n];
        _minDependencies = new T[_n];
        _maxDependencies = new T[_n];
        _minHeights = new int[_n];
        _maxHeights = new int[_n];
        if (!complete || !GraphMetrics()) throw new InvalidOperationException(CycleMessage());

        _partitionKeys = new T[_n];
        for (int x = 0; x < _n; x++)
            _partitionKeys[x] = checked((_minDependencies[x] - _totalDependencies[x] + T.One)
                                        * (_totalDependents[x] - T.CreateChecked(_minHeights[x])));
        var byKey = new int[_n];
        for (int x = 0; x < _n; x++) byKey[x] = x;
        var sortedKeys = (T[])_partitionKeys.Clone();
        Array.Sort(sortedKeys, byKey);
        _partitionRank = new int[_n];
        int rank = -1;
        for (int j = 0; j < _n; j++)
        {
            if (j == 0 || sortedKeys[j] != sortedKeys[j - 1]) rank++;
            _partitionRank[byKey[j]] = rank;
        }
        _rankCount = rank + 1;

        _numNeeded = new int[_n];
        for (int x = 0; x < _n; x++) _numNeeded[x] = NumDependencies(x);
        _result = new int[_n];
        Array.Fill(_result, -1);
        _seen = new bool[_n];
        _inSingles = new bool[_n];
        _singlesParent = new int[_n];
        _rootRemoved = new bool[_n];
        _mark = new int[_n];
        _dependentsKeyCmp = CompareDependentsKey;
        _dependenciesKeyCmp = CompareDependenciesKey;
        _initKeyCmp = CompareInitKey;
        _finishNowKeyCmp = CompareFinishNowKey;
    }

    private int NumDependencies(int x) => _depStart[x + 1] - _depStart[x];
    private int NumDependents(int x) => _dtsStart[x + 1] - _dtsStart[x];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool NDependencies()
    {
        var numNeeded = new int[_n];
        var current = new Stack<int>();
        int done = 0;
        for (int k = 0; k < _n; k++)
        {
            numNeeded[k] = NumDependencies(k);
            if (numNeeded[k] == 0) _totalDependencies[k] = T.One;
        }
        for (int k = 0; k < _n; k++)
        {
            if (NumDependencies(k) != 0) continue;
            done++;
            for (int e = _dtsStart[k]; e < _dtsStart[k + 1]; e++)
                if (--numNeeded[_dts[e]] == 0) current.Push(_dts[e]);
        }
        while (current.Count > 0)
        {
            int key = current.Pop();
            T total = T.One;
            for (int e = _depStart[key]; e < _depStart[key + 1]; e++) total = checked(total + _totalDependencies[_deps[e]]);
            _totalDependencies[key] = total;
            done++;
            for (int e = _dtsStart[key]; e < _dtsStart[key + 1]; e++)
                if (--numNeeded[_dts[e]] == 0) current.Push(_dts[e]);
        }
        return done == _n;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool GraphMetrics()
    {
        var numNeeded = new int[_n];
        var current = new Stack<int>();
        int done = 0;
        for (int k = 0; k < _n; k++) numNeeded[k] = NumDependents(k);
        for (int k = 0; k < _n; k++)
        {
            if (NumDependents(k) != 0) continue;
            _totalDependents[k] = T.One;
            _minDependencies[k] = _maxDependencies[k] = _totalDependencies[k];
            done++;
            for (int e = _depStart[k]; e < _depStart[k + 1]; e++)
                if (--numNeeded[_deps[e]] == 0) current.Push(_deps[e]);
        }
        while (current.Count > 0)
        {
            int key = current.Pop();
            int e0 = _dtsStart[key], e1 = _dtsStart[key + 1];
            int p = _dts[e0];
            T total = _totalDependents[p], minDep = _minDependencies[p], maxDep = _maxDependencies[p];
            int minH = _minHeights[p], maxH = _maxHeights[p];
            for (int e = e0 + 1; e < e1; e++)
            {
                p = _dts[e];
                total = checked(total + _totalDependents[p]);
                if (_minDependencies[p] < minDep) minDep = _minDependencies[p];
                if (_maxDependencies[p] > maxDep) maxDep = _maxDependencies[p];
                if (_minHeights[p] < minH) minH = _minHeights[p];
                if (_maxHeights[p] > maxH) maxH = _maxHeights[p];
            }
            _totalDependents[key] = checked(T.One + total);
            _minDependencies[key] = minDep;
            _maxDependencies[key] = maxDep;
            _minHeights[key] = 1 + minH;
            _maxHeights[key] = 1 + maxH;
            done++;
            for (int e = _depStart[key]; e < _depStart[key + 1]; e++)
                if (--numNeeded[_deps[e]] == 0) current.Push(_deps[e]);
        }
        return done == _n;
    }

    /// <summary>Python words the error with getcycle(dsk), which reads dependencies out of the task values; we
    /// have only the dependencies, and walk them among the tasks ndependencies could not reach.</summary>
    private string CycleMessage()
    {
        // Tasks on or behind a cycle never get all dependencies counted; follow unfinished dependencies until one
        // repeats.
        var numNeeded = new int[_n];
        var stack = new Stack<int>();
        for (int k = 0; k < _n; k++)
        {
            numNeeded[k] = NumDependencies(k);
            if (numNeeded[k] == 0) stack.Push(k);
        }
        while (stack.Count > 0)
        {
            int k = stack.Pop();
            for (int e = _dtsStart[k]; e < _dtsStart[k + 1]; e++)
                if (--numNeeded[_dts[e]] == 0) stack.Push(_dts[e]);
        }
        int start = Array.FindIndex(numNeeded, v => v > 0);
        if (start < 0) return "Cycle detected between the following keys:";
        var pos = new Dictionary<int, int>();
        var path = new List<int>();
        int x = start;
        while (!pos.ContainsKey(x))
        {
            pos[x] = path.Count;
            path.Add(x);
            int next = -1;
            for (int e = _depStart[x]; e < _depStart[x + 1]; e++)
                if (numNeeded[_deps[e]] > 0) { next = _deps[e]; break; }
            x = next;
        }
        var cycle = path.Skip(pos[x]).Append(x).Select(i => _keys[i]);
        return "Cycle detected between the following keys:\n  -> " + string.Join("\n  -> ", cycle);
    }
}
