using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using Scheduler.Core.Graph;
using Xunit.Abstractions;

namespace Scheduler.Tests.Graph;

/// <summary>
/// Differential tests of <see cref="DaskOrder"/> against dask.order.order itself (dask 2022.12.1), on the
/// fixtures written by make_order_fixtures.py (random DAGs, edge-case shapes, dask's own test_order graphs,
/// dask.array/dataframe/bag/delayed graphs and every priority-less graph in the protocol captures).
/// </summary>
public sealed class DaskOrderTests(ITestOutputHelper output)
{
    public sealed record Fixture(string Group, string Name, string[] Keys, int[][] Deps, int[]? Dask, int DaskVariants, int[] GraphOrder);

    private static readonly Lazy<Dictionary<string, Fixture>> All = new(Load);

    private static string FixtureDir => Path.Combine(AppContext.BaseDirectory, "Graph", "OrderFixtures");

    private static Dictionary<string, Fixture> Load()
    {
        var all = new Dictionary<string, Fixture>(StringComparer.Ordinal);
        foreach (var path in Directory.GetFiles(FixtureDir, "*.json.gz").OrderBy(p => p, StringComparer.Ordinal))
        {
            var group = Path.GetFileName(path)[..^".json.gz".Length];
            using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
            using var doc = JsonDocument.Parse(gz);
            foreach (var g in doc.RootElement.EnumerateArray())
            {
                var name = g.GetProperty("name").GetString()!;
                var keys = g.GetProperty("keys").EnumerateArray().Select(k => k.GetString()!).ToArray();
                var deps = g.GetProperty("deps").EnumerateArray().Select(d => d.EnumerateArray().Select(i => i.GetInt32()).ToArray()).ToArray();
                var dask = g.GetProperty("dask").ValueKind == JsonValueKind.Null ? null
                    : g.GetProperty("dask").EnumerateArray().Select(i => i.GetInt32()).ToArray();
                var graphOrder = g.GetProperty("graph_order").EnumerateArray().Select(i => i.GetInt32()).ToArray();
                all.Add(group + "/" + name, new Fixture(group, name, keys, deps, dask, g.GetProperty("dask_variants").GetInt32(), graphOrder));
            }
        }
        return all;
    }

    public static TheoryData<string> FixtureNames()
    {
        var data = new TheoryData<string>();
        foreach (var name in All.Value.Keys) data.Add(name);
        return data;
    }

    [Fact]
    public void DaskOrder_fixtures_are_present()
    {
        Assert.True(All.Value.Count >= 250, $"only {All.Value.Count} fixture graphs");
        foreach (var group in new[] { "random", "special", "test_order", "array", "dataframe", "bag", "delayed", "captures", "small" })
            Assert.Contains(All.Value.Values, f => f.Group == group);
        // The graph-order oracle must differ from plain Dask only where Dask is hash-seed dependent.
        Assert.Contains(All.Value.Values, f => f.Dask == null);
    }

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void DaskOrder_matches_dask(string fixture)
    {
        var f = All.Value[fixture];
        // Through the scheduler's entry point, as update-graph-hlg calls it.
        var tasks = new Dictionary<string, object?>(f.Keys.Length);
        var dependencies = new Dictionary<string, HashSet<string>>(f.Keys.Length);
        for (int i = 0; i < f.Keys.Length; i++)
        {
            tasks.Add(f.Keys[i], null);
            dependencies.Add(f.Keys[i], f.Deps[i].Select(j => f.Keys[j]).ToHashSet());
        }
        var byKey = GraphOrder.Order(tasks, dependencies);
        Assert.Equal(f.Keys.Length, byKey.Count);
        var actual = f.Keys.Select(k => (int)byKey[k]).ToArray();

        // Where dask.order.order gives the same answer in every Python process, we give it too.
        if (f.Dask != null) AssertSameOrder(f, f.Dask, actual, "dask.order.order");
        // Everywhere: Dask with its three hash-ordered set iterations taken in graph order.
        AssertSameOrder(f, f.GraphOrder, actual, "dask.order.order (set iterations in graph order)");

        // The index entry point agrees with the dictionary one.
        Assert.Equal(actual, DaskOrder.Order(f.Keys, f.Deps));

        // And the scheduler's own path: the graph positioned on the client's connection and ordered there.
        var unpacked = new UnpackedGraph();
        foreach (var (k, v) in tasks) unpacked.Tasks.Add(k, v);
        foreach (var (k, v) in dependencies) unpacked.Dependencies.Add(k, v);
        var prepared = PreparedGraph.From(unpacked, order: true);
        Assert.Equal(actual, f.Keys.Select(k => (int)prepared.Order![prepared.Index[k]]).ToArray());
    }

    private static void AssertSameOrder(Fixture f, int[] expected, int[] actual, string oracle)
    {
        for (int i = 0; i < expected.Length; i++)
            if (expected[i] != actual[i])
            {
                int wrong = Enumerable.Range(0, expected.Length).Count(j => expected[j] != actual[j]);
                int firstStep = expected.Select((p, j) => (p, j)).Where(t => expected[t.j] != actual[t.j]).Min(t => t.p);
                Assert.Fail($"{f.Group}/{f.Name}: {wrong} of {expected.Length} priorities differ from {oracle}; first wrong step {firstStep}: " +
                            $"key {f.Keys[Array.IndexOf(expected, firstStep)]} expected {firstStep} got {actual[Array.IndexOf(expected, firstStep)]}");
            }
    }

    [Theory]
    [InlineData("special/fibonacci-200")]
    [InlineData("special/ladder-6x70")]
    [InlineData("array/stacked_map_overlap_45_1d")]
    public void DaskOrder_path_counts_beyond_long_use_exact_integers(string fixture)
    {
        // total_dependencies / total_dependents overflow 64 bits here; Python's ints do not. The fixture test
        // above checks the result; this checks that it came from the BigInteger rerun.
        var f = All.Value[fixture];
        var start = new int[f.Keys.Length + 1];
        for (int i = 0; i < f.Keys.Length; i++) start[i + 1] = start[i] + f.Deps[i].Length;
        var flat = f.Deps.SelectMany(d => d).ToArray();
        var graph = OrderGraph.Create(f.Keys, start, flat);
        Assert.Throws<OverflowException>(() => new DaskOrderRun<long>(graph).Run());
        Assert.Equal(f.GraphOrder, new DaskOrderRun<System.Numerics.BigInteger>(graph).Run());
    }

    [Fact]
    public void DaskOrder_empty_and_trivial_graphs()
    {
        Assert.Empty(GraphOrder.Order(new Dictionary<string, object?>(), new Dictionary<string, HashSet<string>>()));
        var one = GraphOrder.Order(new Dictionary<string, object?> { ["x"] = null }, new Dictionary<string, HashSet<string>>());
        Assert.Equal(0, one["x"]);
        // The docstring example of dask.order.order: {'a': 0, 'c': 1, 'b': 2, 'd': 3}
        var tasks = new Dictionary<string, object?> { ["a"] = 1, ["b"] = 2, ["c"] = "(inc, 'a')", ["d"] = "(add, 'b', 'c')" };
        var deps = new Dictionary<string, HashSet<string>> { ["a"] = [], ["b"] = [], ["c"] = ["a"], ["d"] = ["b", "c"] };
        var o = GraphOrder.Order(tasks, deps);
        Assert.Equal([0L, 2L, 1L, 3L], new[] { o["a"], o["b"], o["c"], o["d"] });
    }

    [Fact]
    public void DaskOrder_ignores_dependencies_outside_the_graph_and_missing_entries()
    {
        var tasks = new Dictionary<string, object?> { ["a"] = null, ["b"] = null, ["c"] = null };
        var deps = new Dictionary<string, HashSet<string>> { ["b"] = ["a", "elsewhere"], ["c"] = ["b"], ["not-a-task"] = ["a"] };
        var o = GraphOrder.Order(tasks, deps);
        Assert.Equal([0L, 1L, 2L], new[] { o["a"], o["b"], o["c"] });
    }

    [Fact]
    public void DaskOrder_rejects_cycles()
    {
        var tasks = new Dictionary<string, object?> { ["x"] = null, ["y"] = null, ["z"] = null, ["w"] = null };
        var deps = new Dictionary<string, HashSet<string>> { ["x"] = ["z"], ["y"] = ["x"], ["z"] = ["y"], ["w"] = ["x"] };
        var e = Assert.Throws<InvalidOperationException>(() => GraphOrder.Order(tasks, deps));
        Assert.StartsWith("Cycle detected between the following keys:", e.Message);
        Assert.Contains("-> x", e.Message);
    }

    [Theory]
    // Python: str < str by code point (UTF-16 ordinal would put U+FFFF after U+1F600).
    [InlineData("\uffff", "\U0001F600", -1)]
    [InlineData("\ue000", "\U0001F600", -1)]
    [InlineData("a", "ab", -1)]
    [InlineData("('x', 10)", "('x', 2)", -1)]
    [InlineData("B", "a", -1)]
    // bytes < bytes by byte value
    [InlineData("\ue000\u00ff", "\ue000\u0041", 1)]
    // str vs bytes: str(b'...') is compared instead
    [InlineData("\ue000alpha", "alpha", 1)]            // "b'alpha'" > "alpha"
    [InlineData("\ue000alpha", "b'alpha'", 0)]         // equal under StrComparable
    [InlineData("\ue000alpha", "b'alphb'", -1)]
    [InlineData("\ue000x", "Z", 1)]                    // "b'x'" > "Z"
    public void DaskOrder_key_comparison_is_python_StrComparable(string a, string b, int sign)
    {
        Assert.Equal(sign, Math.Sign(DaskOrder.PyKeyCompare(a, b)));
        Assert.Equal(-sign, Math.Sign(DaskOrder.PyKeyCompare(b, a)));
    }

    [Theory]
    [InlineData("abc", "b'abc'")]
    [InlineData("a'b", "b\"a'b\"")]
    [InlineData("a'\"b", "b'a\\'\"b'")]
    [InlineData("\t\n\r\\\u0000\u007f\u00ff", "b'\\t\\n\\r\\\\\\x00\\x7f\\xff'")]
    public void DaskOrder_bytes_repr_is_python_repr(string latin1, string repr) =>
        Assert.Equal(repr, DaskOrder.PyBytesRepr(latin1));

    /// <summary>A wide and deep DAG of 100k tasks: layers of random width, each task with 1-4 dependencies in the
    /// previous layers, plus tree reductions and some fan-out.</summary>
    internal static (string[] Keys, int[][] Deps) BigGraph(int n, int seed)
    {
        var rng = new Random(seed);
        var keys = new string[n];
        var deps = new int[n][];
        int layerStart = 0, prevStart = 0, i = 0, layer = 0;
        while (i < n)
        {
            int width = Math.Min(n - i, rng.Next(200, 3000));
            prevStart = layerStart;
            layerStart = i;
            for (int j = 0; j < width; j++, i++)
            {
                keys[i] = $"('layer{layer % 7}-{layer:x8}', {j})";
                if (layer == 0) { deps[i] = []; continue; }
                int count = rng.Next(1, 5);
                var d = new int[count];
                for (int c = 0; c < count; c++)
                    d[c] = rng.Next(10) == 0 ? rng.Next(0, layerStart) : rng.Next(prevStart, layerStart);
                deps[i] = d;
            }
            layer++;
        }
        return (keys, deps);
    }

    [Fact]
    public void DaskOrder_100k_tasks_is_a_permutation()
    {
        const int n = 100_000;
        var (keys, deps) = BigGraph(n, 1);
        var tasks = new Dictionary<string, object?>(n);
        var dependencies = new Dictionary<string, HashSet<string>>(n);
        for (int i = 0; i < n; i++)
        {
            tasks.Add(keys[i], null);
            dependencies.Add(keys[i], deps[i].Select(j => keys[j]).ToHashSet());
        }
        GraphOrder.Order(tasks, dependencies); // warm-up (JIT)
        var sw = Stopwatch.StartNew();
        var order = GraphOrder.Order(tasks, dependencies);
        sw.Stop();
        var sw2 = Stopwatch.StartNew();
        var byIndex = DaskOrder.Order(keys, deps);
        sw2.Stop();
        output.WriteLine($"100k tasks: GraphOrder.Order (string keys, incl. index building) {sw.Elapsed.TotalMilliseconds:F1} ms; DaskOrder.Order (indices) {sw2.Elapsed.TotalMilliseconds:F1} ms");

        Assert.Equal(n, order.Count);
        var seen = new bool[n];
        foreach (var p in order.Values)
        {
            Assert.InRange(p, 0, n - 1);
            Assert.False(seen[p]);
            seen[p] = true;
        }
        for (int i = 0; i < n; i++) Assert.Equal(order[keys[i]], byIndex[i]);
        // Every task comes after its dependencies.
        for (int i = 0; i < n; i++)
            foreach (var d in deps[i])
                Assert.True(byIndex[d] < byIndex[i]);
    }
}
