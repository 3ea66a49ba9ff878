using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;
using Scheduler.Core.State;

namespace Scheduler.Core.Graph;

/// <summary>
/// Port of <c>dask.order.order</c> from dask 2022.12.1 (Debian's python3-dask, dask/order.py): the static
/// priorities the scheduler gives a graph sent without them. Python's scheduler calls it as
/// <c>order(dsk, dependencies=stripped_deps)</c> in <c>update_graph_hlg</c>, with string (or bytes) keys.
/// </summary>
/// <remarks>
/// <para><b>Task values.</b> When <c>dependencies</c> is given, as it always is in the scheduler, order() reads
/// the task values of <c>dsk</c> nowhere that affects the result: it uses <c>len(dsk)</c>, <c>not dsk</c>, and the
/// values only inside <c>getcycle(dsk)</c> to word the error for a cyclic graph. Everything else
/// (<c>ndependencies</c>, <c>graph_metrics</c>, the traversal) works on keys and dependencies. There is no "task or
/// literal" test and no <c>key_split</c> in this version of order.py; ties are broken with
/// <c>StrComparable(key)</c> only. The fixture generator checks this on every captured and generated graph: the
/// real scheduler values (<c>{"function": ..., "args": ...}</c> dicts and <c>Serialized</c> objects), the original
/// task tuples and <c>None</c> all give the same priorities. So this port takes no value and no hint; a cyclic graph
/// throws, and we name the cycle from the dependencies instead.</para>
/// <para><b>Key comparison.</b> <c>StrComparable(a) &lt; StrComparable(b)</c> is <c>a &lt; b</c>, which for two str
/// compares code points, for two bytes compares bytes, and for str against bytes raises TypeError and falls back
/// to comparing <c>str(a)</c> with <c>str(b)</c>, i.e. the str against the bytes' repr (<c>"b'x'"</c>). See
/// <see cref="PyKeyCompare"/>. Every sort key ends in the key, so every order is total, except for the str
/// <c>"b'x'"</c> next to the bytes <c>b'x'</c> (equal under StrComparable); there Python's result depends on set
/// order and ours on the sort.</para>
/// <para><b>Where Dask itself is not deterministic.</b> Three steps of order() take Python sets in iteration
/// order, which for str/bytes keys follows the per-process string hash (PYTHONHASHSEED): pushing the
/// dependencies of a task that has 1000 or more of them, the dependents of a task grouped into pools of 100 or
/// more (and the pools handed to <c>next_nodes</c>/<c>later_nodes</c>), and the list of leaves when 10000 or more
/// remain unsorted. Two Python schedulers may order such graphs differently, and no port can match all of them.
/// In exactly those three steps we take tasks in graph order (lowest position in <c>tasks</c>, i.e. its
/// enumeration order, first); everywhere
/// else the result is Dask's. The tests compare against Dask itself for every graph whose Dask order is the same
/// under several hash seeds, and against Dask with those three steps made to use graph order for every graph.</para>
/// <para><b>Big numbers.</b> <c>total_dependencies</c> and <c>total_dependents</c> count paths, not tasks, and grow
/// exponentially in graphs that fan out and rejoin (a stack of map_overlap layers, a ladder). Python uses
/// unbounded ints; we run with <c>long</c> and checked arithmetic, and rerun with <see cref="Int128"/>, then
/// <see cref="BigInteger"/>, if it overflows, so the comparisons stay exact.</para>
/// </remarks>
public static class DaskOrder
{
    /// <summary>
    /// Priorities (0 = run first) for every key of <paramref name="tasks"/>. Dependencies on keys outside
    /// <paramref name="tasks"/> are ignored (the scheduler's <c>stripped_deps</c>); a key missing from
    /// <paramref name="dependencies"/> has none. Values of <paramref name="tasks"/> are not read.
    /// </summary>
    public static Dictionary<string, long> Order(IReadOnlyDictionary<string, object?> tasks, IReadOnlyDictionary<string, HashSet<string>> dependencies)
    {
        int n = tasks.Count;
        var keys = new string[n];
        var index = new Dictionary<string, int>(n, StringComparer.Ordinal);
        foreach (var k in tasks.Keys)
        {
            keys[index.Count] = k;
            index.Add(k, index.Count);
        }
        // Walk the dependency sets in their own order (cheaper than a lookup per task), then group by task.
        var owner = new List<int>(n * 2);
        var target = new List<int>(n * 2);
        foreach (var (k, deps) in dependencies)
        {
            if (!index.TryGetValue(k, out var i)) continue;
            foreach (var d in deps)
                if (index.TryGetValue(d, out var j))
                {
                    owner.Add(i);
                    target.Add(j);
                }
        }
        var start = new int[n + 1];
        foreach (var i in owner) start[i + 1]++;
        for (int i = 0; i < n; i++) start[i + 1] += start[i];
        var flat = new int[owner.Count];
        var pos = start.AsSpan(0, n).ToArray();
        for (int e = 0; e < owner.Count; e++) flat[pos[owner[e]]++] = target[e];
        var priorities = Order(OrderGraph.Create(keys, start, flat));
        var result = new Dictionary<string, long>(n, StringComparer.Ordinal);
        for (int i = 0; i < n; i++) result.Add(keys[i], priorities[i]);
        return result;
    }

    /// <summary>
    /// Index form: <paramref name="dependencies"/>[i] lists the positions in <paramref name="keys"/> that task i
    /// depends on (duplicates allowed). Returns the priority of each position.
    /// </summary>
    public static int[] Order(string[] keys, int[][] dependencies)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(dependencies);
        if (dependencies.Length != keys.Length) throw new ArgumentException("one dependency list per key", nameof(dependencies));
        var start = new int[keys.Length + 1];
        for (int i = 0; i < keys.Length; i++) start[i + 1] = start[i] + dependencies[i].Length;
        var flat = new int[start[keys.Length]];
        for (int i = 0; i < keys.Length; i++) dependencies[i].CopyTo(flat, start[i]);
        return Order(OrderGraph.Create(keys, start, flat));
    }

    internal static int[] Order(OrderGraph graph)
    {
        if (graph.N == 0) return [];
        // Path counts beyond 2^63 (or 2^127): redo the whole thing with wider integers, as exact as Python's.
        // Overflow nearly always shows while computing the metrics, before the traversal starts.
        try
        {
            return new DaskOrderRun<long>(graph).Run();
        }
        catch (OverflowException)
        {
        }
        try
        {
            return new DaskOrderRun<Int128>(graph).Run();
        }
        catch (OverflowException)
        {
        }
        return new DaskOrderRun<BigInteger>(graph).Run();
    }

    /// <summary>
    /// Python's <c>StrComparable(a) &lt; StrComparable(b)</c> as a three-way comparison, for scheduler keys (str, or
    /// bytes carried as <see cref="TaskKeys.BytesMarker"/> + Latin-1).
    /// </summary>
    internal static int PyKeyCompare(string a, string b)
    {
        bool aBytes = a.Length > 0 && a[0] == TaskKeys.BytesMarker;
        bool bBytes = b.Length > 0 && b[0] == TaskKeys.BytesMarker;
        // str < str compares code points; bytes < bytes compares bytes, which (Latin-1, same marker) is the
        // same comparison on our representation.
        if (aBytes == bBytes) return CodePointCompare(a, b);
        // str < bytes raises TypeError; StrComparable then compares str(a) < str(b): the bytes' repr.
        return aBytes ? CodePointCompare(PyBytesRepr(a.AsSpan(1)), b) : CodePointCompare(a, PyBytesRepr(b.AsSpan(1)));
    }

    /// <summary>Python str ordering: by code point. UTF-16 ordinal order differs only when a surrogate pair
    /// (a code point above U+FFFF) meets a BMP character at or above U+E000.</summary>
    internal static int CodePointCompare(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        int i = a.CommonPrefixLength(b);
        if (i == a.Length || i == b.Length) return a.Length.CompareTo(b.Length);
        char x = a[i], y = b[i];
        bool xs = char.IsSurrogate(x), ys = char.IsSurrogate(y);
        if (xs == ys) return x.CompareTo(y);
        return xs ? 1 : -1;
    }

    /// <summary><c>repr(bytes)</c> (CPython's bytes_repr with smart quotes), for bytes held as Latin-1 chars.</summary>
    internal static string PyBytesRepr(ReadOnlySpan<char> bytes)
    {
        char quote = bytes.Contains('\'') && !bytes.Contains('"') ? '"' : '\'';
        var sb = new StringBuilder(bytes.Length + 3);
        sb.Append('b').Append(quote);
        foreach (var c in bytes)
        {
            if (c == quote || c == '\\') sb.Append('\\').Append(c);
            else if (c == '\t') sb.Append("\\t");
            else if (c == '\n') sb.Append("\\n");
            else if (c == '\r') sb.Append("\\r");
            else if (c < ' ' || c >= 0x7f) sb.Append("\\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
        return sb.Append(quote).ToString();
    }
}

/// <summary>
/// The graph as order() sees it, with int indices: dependencies and dependents as deduplicated adjacency arrays
/// (CSR), each list in ascending index order.
/// </summary>
internal sealed class OrderGraph
{
    public int N { get; }
    public string[] Keys { get; }
    public int[] DepStart { get; }
    public int[] Deps { get; }
    public int[] DtsStart { get; }
    public int[] Dts { get; }

    private OrderGraph(string[] keys, int[] depStart, int[] deps, int[] dtsStart, int[] dts)
    {
        N = keys.Length;
        Keys = keys;
        DepStart = depStart;
        Deps = deps;
        DtsStart = dtsStart;
        Dts = dts;
    }

    public int NumDependencies(int x) => DepStart[x + 1] - DepStart[x];
    public int NumDependents(int x) => DtsStart[x + 1] - DtsStart[x];

    /// <summary>From raw lists (task i depends on <c>raw[start[i]..start[i+1]]</c>, duplicates allowed).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static OrderGraph Create(string[] keys, int[] start, int[] raw)
    {
        int n = keys.Length;
        var mark = new int[n];
        Array.Fill(mark, -1);
        var depCount = new int[n];
        var dtsStart = new int[n + 1];
        for (int k = 0; k < n; k++)
            for (int e = start[k]; e < start[k + 1]; e++)
            {
                int d = raw[e];
                if ((uint)d >= (uint)n) throw new ArgumentOutOfRangeException(nameof(raw), $"dependency index {d} of task {k} is out of range");
                if (mark[d] == k) continue;
                mark[d] = k;
                depCount[k]++;
                dtsStart[d + 1]++;
            }
        for (int k = 0; k < n; k++) dtsStart[k + 1] += dtsStart[k];
        var dts = new int[dtsStart[n]];
        var pos = new int[n];
        Array.Copy(dtsStart, pos, n);
        Array.Fill(mark, -1);
        // Dependents: visiting k in ascending order keeps every list ascending.
        for (int k = 0; k < n; k++)
            for (int e = start[k]; e < start[k + 1]; e++)
            {
                int d = raw[e];
                if (mark[d] == k) continue;
                mark[d] = k;
                dts[pos[d]++] = k;
            }
        var depStart = new int[n + 1];
        for (int k = 0; k < n; k++) depStart[k + 1] = depStart[k] + depCount[k];
        var deps = new int[depStart[n]];
        Array.Copy(depStart, pos, n);
        // Dependencies, rebuilt from the dependents so that they too come out ascending.
        for (int d = 0; d < n; d++)
            for (int e = dtsStart[d]; e < dtsStart[d + 1]; e++)
                deps[pos[dts[e]]++] = d;
        return new OrderGraph(keys, depStart, deps, dtsStart, dts);
    }
}
