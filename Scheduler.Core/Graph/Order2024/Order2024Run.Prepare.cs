using System.Numerics;

namespace Scheduler.Core.Graph.Order2024;

// The first half of order(): normalizing the graph (non-task leaves and data roots out), ndependencies, the cycle
// check, _connecting_to_roots both ways, and sort_key, which is fixed from then on and so becomes a rank per task.
internal sealed partial class Order2024Run
{
    private readonly int _n;
    /// <summary>Nodes at or above this index are order()'s external_keys.</summary>
    private readonly int _external0;
    private readonly string[] _keys;
    private readonly bool[] _notTask;

    /// <summary>Taken out of dsk while normalizing.</summary>
    private readonly bool[] _removed;

    /// <summary>The graph after normalizing, as CSR over all node indices (removed nodes have empty lists); lists
    /// in ascending position, which is the set order this port uses.</summary>
    private int[] _depStart = [], _deps = [], _dtsStart = [], _dts = [];

    /// <summary>requires_data_task: the removed data roots a task needs (a set; popped lowest position first).</summary>
    private readonly List<int>?[] _requiresDataTask;

    /// <summary>Position of each node in sort_key order (total_dependencies, len(dependencies),
    /// len(roots_connected), -max_dependents, str(key)); ties (equal str of distinct keys) by position.</summary>
    private int[] _rank = [];

    /// <summary>leafs_connected, read only for roots: the leaves below each root.</summary>
    private ConnectedSet[] _leafsConnected = [];
    private int[] _leafOfOrdinal = [];

    private int NumDependencies(int x) => _depStart[x + 1] - _depStart[x];
    private int NumDependents(int x) => _dtsStart[x + 1] - _dtsStart[x];

    /// <summary>The normalization loop of order().</summary>
    private void Normalize(OrderGraph g)
    {
        int n = _n;
        var depCount = new int[n];
        var dtsCount = new int[n];
        for (int x = 0; x < n; x++)
        {
            depCount[x] = g.NumDependencies(x);
            dtsCount[x] = g.NumDependents(x);
        }
        for (int x = 0; x < n; x++)
        {
            if (dtsCount[x] == 0) _leafNodes.Add(x);
            if (depCount[x] == 0) _rootNodes.Add(x);
        }
        int dskLen = n, nRemovedLeaves = 0;
        bool allTasks = false;
        var snapshot = new List<int>();
        while (!allTasks)
        {
            allTasks = true;
            // for leaf in list(leaf_nodes)
            _leafNodes.CopyTo(snapshot);
            snapshot.Sort();
            foreach (int leaf in snapshot)
            {
                if (_rootNodes.Contains(leaf)) continue;
                // not istask(dsk[leaf]) and len(dependencies[leaf]) > 1
                if (!_notTask[leaf] || depCount[leaf] <= 1) continue;
                allTasks = false;
                // Python's numbering as dsk shrinks under it: len(dsk) - 1 - n_removed_leaves.
                SetResult(leaf, dskLen - 1 - nRemovedLeaves);
                nRemovedLeaves++;
                _leafNodes.Remove(leaf);
                for (int e = g.DepStart[leaf]; e < g.DepStart[leaf + 1]; e++)
                {
                    int dep = g.Deps[e];
                    if (_removed[dep]) continue;
                    if (--dtsCount[dep] == 0) _leafNodes.Add(dep);
                }
                _removed[leaf] = true;
                dskLen--;
            }
            // for root in list(root_nodes)
            _rootNodes.CopyTo(snapshot);
            snapshot.Sort();
            foreach (int root in snapshot)
            {
                if (_leafNodes.Contains(root)) continue;
                if (!_notTask[root] || dtsCount[root] <= 1) continue;
                _removed[root] = true;
                dskLen--;
                _rootNodes.Remove(root);
                for (int e = g.DtsStart[root]; e < g.DtsStart[root + 1]; e++)
                {
                    int dep = g.Dts[e];
                    if (_removed[dep]) continue;
                    (_requiresDataTask[dep] ??= []).Add(root);
                    if (--depCount[dep] == 0) _rootNodes.Add(dep);
                }
            }
        }

        // The graph order() walks from here on: dsk without the removed nodes.
        _depStart = new int[n + 1];
        _dtsStart = new int[n + 1];
        for (int x = 0; x < n; x++)
        {
            _depStart[x + 1] = _depStart[x] + (_removed[x] ? 0 : depCount[x]);
            _dtsStart[x + 1] = _dtsStart[x] + (_removed[x] ? 0 : dtsCount[x]);
        }
        _deps = new int[_depStart[n]];
        _dts = new int[_dtsStart[n]];
        for (int x = 0; x < n; x++)
        {
            if (_removed[x]) continue;
            int p = _depStart[x];
            for (int e = g.DepStart[x]; e < g.DepStart[x + 1]; e++)
                if (!_removed[g.Deps[e]]) _deps[p++] = g.Deps[e];
            p = _dtsStart[x];
            for (int e = g.DtsStart[x]; e < g.DtsStart[x + 1]; e++)
                if (!_removed[g.Dts[e]]) _dts[p++] = g.Dts[e];
        }
    }

    /// <summary>ndependencies' total_dependencies (a path count) in <typeparamref name="T"/>, or null for a cycle.
    /// Checked arithmetic: overflow throws.</summary>
    private T[]? TotalDependencies<T>() where T : struct, INumber<T>
    {
        var total = new T[_n];
        var numNeeded = new int[_n];
        var current = new Stack<int>();
        int done = 0, present = 0;
        for (int x = 0; x < _n; x++)
        {
            if (_removed[x]) continue;
            present++;
            numNeeded[x] = NumDependencies(x);
            if (numNeeded[x] == 0) current.Push(x);
        }
        while (current.Count > 0)
        {
            int key = current.Pop();
            done++;
            T sum = T.One;
            for (int e = _depStart[key]; e < _depStart[key + 1]; e++) sum = checked(sum + total[_deps[e]]);
            total[key] = sum;
            for (int e = _dtsStart[key]; e < _dtsStart[key + 1]; e++)
                if (--numNeeded[_dts[e]] == 0) current.Push(_dts[e]);
        }
        return done == present ? total : null;
    }

    /// <summary>Ranks every present node by sort_key; throws for a cycle.</summary>
    private void ComputeSortKeys()
    {
        try
        {
            ComputeRanks(TotalDependencies<long>());
        }
        catch (OverflowException)
        {
            ComputeRanks(TotalDependencies<BigInteger>());
        }
    }

    private void ComputeRanks<T>(T[]? totalDependencies) where T : struct, INumber<T>
    {
        if (totalDependencies == null) throw new InvalidOperationException(CycleMessage());
        var rootsConnected = ConnectingToRoots(forward: true, out var maxDependents, out _);
        _leafsConnected = ConnectingToRoots(forward: false, out _, out _leafOfOrdinal);
        var str = new string[_n];
        var order = new List<int>(_n);
        for (int x = 0; x < _n; x++)
        {
            if (_removed[x]) continue;
            str[x] = DaskOrder2024.PyStr(_keys[x]);
            order.Add(x);
        }
        var arr = order.ToArray();
        if (totalDependencies is long[] total) SortByRankKey(arr, total, rootsConnected, maxDependents, str);
        else
        {
            Array.Sort(arr, (a, b) =>
            {
                int c = totalDependencies[a].CompareTo(totalDependencies[b]);
                if (c != 0) return c;
                c = NumDependencies(a).CompareTo(NumDependencies(b));
                if (c != 0) return c;
                c = rootsConnected[a].Count.CompareTo(rootsConnected[b].Count);
                if (c != 0) return c;
                c = maxDependents[b].CompareTo(maxDependents[a]);
                if (c != 0) return c;
                c = DaskOrder.CodePointCompare(str[a], str[b]);
                return c != 0 ? c : a.CompareTo(b);
            });
        }
        _rank = new int[_n];
        Array.Fill(_rank, -1);
        for (int r = 0; r < arr.Length; r++) _rank[arr[r]] = r;
    }

    /// <summary>
    /// The sort above for totals that fit a long (every real graph): the numbers are gathered next to each node
    /// once and the keys ranked (<see cref="CodePointRanks"/>), so comparing two nodes reads one entry each instead of
    /// four arrays and two strings.
    /// </summary>
    private void SortByRankKey(int[] arr, long[] total, ConnectedSet[] rootsConnected, int[] maxDependents, string[] str)
    {
        var text = CodePointRanks.Of(str);
        var keys = new RankKey[arr.Length];
        for (int i = 0; i < arr.Length; i++)
        {
            int x = arr[i];
            keys[i] = new RankKey(total[x], NumDependencies(x), rootsConnected[x].Count, maxDependents[x], text[x], x);
        }
        keys.AsSpan().Sort(RankKeyComparer.Instance);
        for (int i = 0; i < arr.Length; i++) arr[i] = keys[i].Node;
    }

    private readonly record struct RankKey(long Total, int Dependencies, int Roots, int MaxDependents, int Text, int Node);

    private sealed class RankKeyComparer : IComparer<RankKey>
    {
        public static readonly RankKeyComparer Instance = new();

        public int Compare(RankKey a, RankKey b)
        {
            int c = a.Total.CompareTo(b.Total);
            if (c != 0) return c;
            c = a.Dependencies.CompareTo(b.Dependencies);
            if (c != 0) return c;
            c = a.Roots.CompareTo(b.Roots);
            if (c != 0) return c;
            c = b.MaxDependents.CompareTo(a.MaxDependents);
            if (c != 0) return c;
            c = a.Text.CompareTo(b.Text);
            return c != 0 ? c : a.Node.CompareTo(b.Node);
        }
    }

    /// <summary>
    /// _connecting_to_roots: for every node the roots above it (forward) or, with the graph reversed, the leaves
    /// below it; and max_dependents (forward only). Roots (leaves) end with the empty set, as in Python. Sets hold
    /// root ordinals; a node whose dependencies all share one set shares it too, like Python's frozensets.
    /// </summary>
    private ConnectedSet[] ConnectingToRoots(bool forward, out int[] maxDependents, out int[] nodeOfOrdinal)
    {
        int[] upStart = forward ? _depStart : _dtsStart, up = forward ? _deps : _dts;
        int[] downStart = forward ? _dtsStart : _depStart, down = forward ? _dts : _deps;
        var result = new ConnectedSet[_n];
        maxDependents = new int[_n];
        var numNeeded = new int[_n];
        var ordinals = new List<int>();
        for (int x = 0; x < _n; x++)
        {
            if (_removed[x]) continue;
            numNeeded[x] = upStart[x + 1] - upStart[x];
            if (numNeeded[x] == 0) ordinals.Add(x);
        }
        nodeOfOrdinal = [.. ordinals];
        int universe = nodeOfOrdinal.Length;
        var current = new Stack<int>();
        for (int o = 0; o < universe; o++)
        {
            int k = nodeOfOrdinal[o];
            result[k] = ConnectedSet.Single(o, universe);
            maxDependents[k] = downStart[k + 1] - downStart[k];
            for (int e = downStart[k]; e < downStart[k + 1]; e++)
                if (--numNeeded[down[e]] == 0) current.Push(down[e]);
        }
        var builder = new ConnectedSet.Builder(universe);
        var distinct = new List<ConnectedSet>();
        int stamp = 0;
        while (current.Count > 0)
        {
            int key = current.Pop();
            for (int e = downStart[key]; e < downStart[key + 1]; e++)
                if (--numNeeded[down[e]] == 0) current.Push(down[e]);
            distinct.Clear();
            stamp++;
            // Python takes the max over children with distinct root sets only, but max_dependents is the max over
            // the roots of the set (the docstring's definition), so children with equal sets agree and the max
            // over all children is the same number, in any order.
            int maxDep = int.MinValue;
            for (int e = upStart[key]; e < upStart[key + 1]; e++)
            {
                var child = result[up[e]];
                maxDep = Math.Max(maxDep, maxDependents[up[e]]);
                if (child.Stamp == stamp) continue;
                child.Stamp = stamp;
                distinct.Add(child);
            }
            maxDependents[key] = maxDep;
            result[key] = distinct.Count == 1 ? distinct[0] : builder.Union(distinct);
        }
        var empty = ConnectedSet.Empty(universe);
        foreach (var r in nodeOfOrdinal) result[r] = empty;
        return result;
    }

    /// <summary>Python words the error with getcycle(dsk); we walk the dependencies among the tasks ndependencies
    /// could not reach until one repeats.</summary>
    private string CycleMessage()
    {
        var numNeeded = new int[_n];
        var stack = new Stack<int>();
        for (int k = 0; k < _n; k++)
        {
            if (_removed[k]) continue;
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
