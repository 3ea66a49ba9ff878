using Scheduler.Core.State;

namespace Scheduler.Core.Graph.Order2024;

/// <summary>
/// Port of <c>dask.order.order</c> from dask 2024.12.1 (Debian 13's python3-dask, dask/order.py, the rewrite
/// with critical paths and runnable paths): the static priorities a 2024.12 scheduler gives a graph sent without
/// them. The 2022.12.1 algorithm is <see cref="DaskOrder"/>; callers pick one per client dialect.
/// </summary>
/// <remarks>
/// <para><b>What order() reads.</b> <c>update_graph</c> calls <c>order(dsk, dependencies=stripped_deps)</c>, but
/// 2024.12.1's order() ignores that argument: it rebinds <c>dependencies = DependenciesMapping(dsk)</c>, i.e. the
/// dependencies the task specs (GraphNodes) name themselves, including keys that are not in <c>dsk</c> (results
/// the scheduler already holds). Those <i>external keys</i> become extra data nodes that take part in the walk but
/// get no priority of their own and do not advance the counter (the next task shares their number, and they are
/// dropped from the result). From the values, order() also reads <c>istask(value)</c>: false exactly for a
/// <c>DataNode</c> (and, for legacy dicts, for any value that is not a <c>(callable, ...)</c> tuple). A data root
/// with more than one dependent is taken out of the graph and numbered right before the first of its dependents
/// that runs; a non-task leaf with more than one dependency (a legacy alias list such as da.store's final key;
/// never a GraphNode, since a DataNode has no dependencies) is taken out and numbered from the end, with Python's
/// arithmetic (<c>len(dsk) - 1 - n_removed_leaves</c> while <c>dsk</c> shrinks, so numbers step by two and can
/// meet the counter's). Keys enter only through <c>str(key)</c>, the last element of the sort key; there is no
/// <c>key_split</c>. The <c>return_stats</c> critical-path numbers are not ported (the scheduler does not ask for
/// them); the priorities are the <c>int</c>s the scheduler stores as the last element of <c>TaskState.priority</c>.</para>
/// <para><b>Key comparison.</b> <c>str(key)</c> compared by code point: keys are in <see cref="TaskKeys"/> form
/// (a str key as itself, a tuple key as its repr, which is its str; bytes as <see cref="TaskKeys.BytesMarker"/> +
/// Latin-1, compared as <c>repr(bytes)</c>). Two distinct keys with the same <c>str()</c> (the str
/// <c>"b'x'"</c> and the bytes <c>b'x'</c>) tie; Python then keeps its set order, we take the lower position.</para>
/// <para><b>Where Dask itself is not deterministic.</b> order() iterates Python sets, whose order follows the
/// per-process string hash (PYTHONHASHSEED), in six places that can change the result: the dependents of a task
/// just run (the order in which newly runnable tasks join <c>runnable</c>, which process_runnables pops from the
/// end), the not-yet-run dependencies pushed while building a critical path, the data tasks a task requires
/// (<c>set.pop()</c>), the leaves and roots snapshotted while normalizing (the numbers of removed leaves), and the
/// roots checked for symmetry in use_longest_path (the check stops at the first mismatch, so which root comes
/// first matters when some root is also a leaf). The first two are common: a task with three or more unrun
/// dependencies on a critical path, or with several dependents it makes runnable at once. Two Python schedulers
/// may order such graphs differently, and no port can match all of them. In each of those places this port takes
/// the set in graph order: ascending position (the order of the keys given, external keys after all graph keys, in
/// the order given), and <c>set.pop()</c> takes the lowest position. The tests compare against Dask itself for
/// every graph whose Dask order is the same under several hash seeds, and against Dask with exactly those set
/// iterations made to use graph order (patched at run time) for every graph.</para>
/// <para><b>Big numbers.</b> <c>total_dependencies</c> counts paths, not tasks, and grows exponentially in graphs
/// that fan out and rejoin. Python's ints are unbounded; we sum in checked <c>long</c> and redo the sums in
/// <see cref="System.Numerics.BigInteger"/> on overflow. Only their order is used (a rank per task).</para>
/// <para><b>Errors.</b> A cyclic graph (a self-dependency included) throws <see cref="InvalidOperationException"/>
/// with Python's RuntimeError message, the cycle named from the dependencies. Where Python would fail inside the
/// walk (<c>min()</c> of nothing) or loop forever (a runnable path that never becomes runnable), we throw
/// <see cref="InvalidOperationException"/> too.</para>
/// <para><b>Cost.</b> Linear passes except the root/leaf sets (<c>_connecting_to_roots</c>), which are kept as
/// sorted arrays while small and as bitsets once large, shared between tasks like Python shares its frozensets;
/// no recursion, so deep chains are fine.</para>
/// </remarks>
public static class DaskOrder2024
{
    /// <summary>
    /// Priorities for <paramref name="keys"/> (0 = run first). <paramref name="dependencies"/>[i] lists what task i
    /// depends on: a value v &lt; keys.Length is a task of the graph, v &gt;= keys.Length names
    /// <paramref name="externalKeys"/>[v - keys.Length], a key the graph depends on without defining it
    /// (<see cref="PreparedGraph"/>'s convention). Duplicates are allowed. <paramref name="isDataNode"/>[i] is
    /// <c>not istask(dsk[key])</c>: true for a <c>DataNode</c>; null means every key is a task.
    /// </summary>
    public static long[] Order(string[] keys, int[][] dependencies, bool[]? isDataNode = null, string[]? externalKeys = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(dependencies);
        if (dependencies.Length != keys.Length) throw new ArgumentException("one dependency list per key", nameof(dependencies));
        if (isDataNode != null && isDataNode.Length != keys.Length) throw new ArgumentException("one flag per key", nameof(isDataNode));
        externalKeys ??= [];
        int n = keys.Length, total = n + externalKeys.Length;
        var all = new string[total];
        keys.CopyTo(all, 0);
        externalKeys.CopyTo(all, n);
        var start = new int[total + 1];
        for (int i = 0; i < n; i++) start[i + 1] = start[i] + dependencies[i].Length;
        for (int i = n; i < total; i++) start[i + 1] = start[i];
        var flat = new int[start[n]];
        for (int i = 0; i < n; i++) dependencies[i].CopyTo(flat, start[i]);
        return Order(OrderGraph.Create(all, start, flat), isDataNode, externalKeys.Length);
    }

    /// <summary>
    /// The same for a graph as dictionaries: <paramref name="dependencies"/>[k] are the keys task k's spec names
    /// (what <c>DependenciesMapping(dsk)</c> gives; not the scheduler's stripped_deps, which order() ignores), and
    /// a dependency that is not a key of <paramref name="tasks"/> is an external key. A key missing from
    /// <paramref name="dependencies"/> has none; entries for keys outside <paramref name="tasks"/> are ignored.
    /// <paramref name="dataNodes"/> are the keys whose spec is a <c>DataNode</c>. Values of
    /// <paramref name="tasks"/> are not read.
    /// </summary>
    public static Dictionary<string, long> Order(IReadOnlyDictionary<string, object?> tasks, IReadOnlyDictionary<string, HashSet<string>> dependencies,
        IReadOnlySet<string>? dataNodes = null)
    {
        int n = tasks.Count;
        var keys = new string[n];
        var index = new Dictionary<string, int>(n, StringComparer.Ordinal);
        foreach (var k in tasks.Keys)
        {
            keys[index.Count] = k;
            index.Add(k, index.Count);
        }
        var external = new List<string>();
        var externalIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var deps = new int[n][];
        for (int i = 0; i < n; i++)
        {
            if (!dependencies.TryGetValue(keys[i], out var ds)) { deps[i] = []; continue; }
            var list = new int[ds.Count];
            int c = 0;
            foreach (var d in ds)
            {
                if (index.TryGetValue(d, out var j)) { list[c++] = j; continue; }
                if (!externalIndex.TryGetValue(d, out var x))
                {
                    x = n + external.Count;
                    externalIndex.Add(d, x);
                    external.Add(d);
                }
                list[c++] = x;
            }
            deps[i] = list;
        }
        bool[]? isData = null;
        if (dataNodes != null)
        {
            isData = new bool[n];
            for (int i = 0; i < n; i++) isData[i] = dataNodes.Contains(keys[i]);
        }
        var priorities = Order(keys, deps, isData, [.. external]);
        var result = new Dictionary<string, long>(n, StringComparer.Ordinal);
        for (int i = 0; i < n; i++) result.Add(keys[i], priorities[i]);
        return result;
    }

    /// <summary>
    /// Index form: the last <paramref name="externalCount"/> nodes of <paramref name="graph"/> are external keys
    /// (they must have no dependencies); <paramref name="isDataNode"/> (empty: none) covers the other nodes.
    /// Returns a priority for each non-external node.
    /// </summary>
    internal static long[] Order(OrderGraph graph, ReadOnlySpan<bool> isDataNode = default, int externalCount = 0)
    {
        if (externalCount < 0 || externalCount > graph.N) throw new ArgumentOutOfRangeException(nameof(externalCount));
        int n = graph.N - externalCount;
        if (!isDataNode.IsEmpty && isDataNode.Length != n) throw new ArgumentException("one flag per graph node", nameof(isDataNode));
        for (int x = n; x < graph.N; x++)
            if (graph.NumDependencies(x) != 0) throw new ArgumentException("an external key cannot have dependencies", nameof(graph));
        if (n == 0) return [];
        var notTask = new bool[graph.N];
        isDataNode.CopyTo(notTask);
        // order() adds each external key to dsk as DataNode(k, object()).
        for (int x = n; x < graph.N; x++) notTask[x] = true;
        return new Order2024Run(graph, notTask, n).Run();
    }

    /// <summary><c>str(key)</c> for a key in <see cref="TaskKeys"/> form.</summary>
    internal static string PyStr(string key) =>
        key.Length > 0 && key[0] == TaskKeys.BytesMarker ? DaskOrder.PyBytesRepr(key.AsSpan(1)) : TaskKeys.Str(key);
}
