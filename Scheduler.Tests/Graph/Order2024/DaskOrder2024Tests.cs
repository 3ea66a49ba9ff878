using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using Scheduler.Core.Graph;
using Scheduler.Core.Graph.Order2024;
using Xunit.Abstractions;

namespace Scheduler.Tests.Graph.Order2024;

/// <summary>
/// Differential tests of <see cref="DaskOrder2024"/> against dask.order.order of dask 2024.12.1, on the fixtures
/// written by make_order2024_fixtures.py (the 2022 fixture corpus, again with data roots and external keys,
/// dask 2024.12.1 collections, 2024's own test_order graphs, and shapes for data roots, alias leaves, external
/// keys and deep chains).
/// </summary>
public sealed class DaskOrder2024Tests(ITestOutputHelper output)
{
    public sealed record Fixture(string Group, string Name, string[] Keys, int[][] Deps, int[] Data, string[] External,
        long[]? Dask, int DaskVariants, long[] GraphOrder);

    private static readonly Lazy<Dictionary<string, Fixture>> All = new(Load);

    private static string FixtureDir => Path.Combine(AppContext.BaseDirectory, "Graph", "Order2024", "Fixtures");

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
                static long[] Longs(JsonElement e) => e.EnumerateArray().Select(i => i.GetInt64()).ToArray();
                var dask = g.GetProperty("dask");
                all.Add(group + "/" + g.GetProperty("name").GetString(), new Fixture(
                    group, g.GetProperty("name").GetString()!,
                    g.GetProperty("keys").EnumerateArray().Select(k => k.GetString()!).ToArray(),
                    g.GetProperty("deps").EnumerateArray().Select(d => d.EnumerateArray().Select(i => i.GetInt32()).ToArray()).ToArray(),
                    g.GetProperty("data").EnumerateArray().Select(i => i.GetInt32()).ToArray(),
                    g.GetProperty("external").EnumerateArray().Select(k => k.GetString()!).ToArray(),
                    dask.ValueKind == JsonValueKind.Null ? null : Longs(dask),
                    g.GetProperty("dask_variants").GetInt32(),
                    Longs(g.GetProperty("graph_order"))));
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

    /// <summary>A stable Dask result the graph-order oracle does not reproduce (found by the generator; see
    /// the report in the generator's output): compared against the graph-order oracle only.</summary>
    private static readonly HashSet<string> StableButDiffers = ["r2022-small/small-1-105"];

    private static long[] Run(Fixture f)
    {
        bool[]? isData = null;
        if (f.Data.Length > 0)
        {
            isData = new bool[f.Keys.Length];
            foreach (var i in f.Data) isData[i] = true;
        }
        return DaskOrder2024.Order(f.Keys, f.Deps, isData, f.External);
    }

    [Fact]
    public void Order2024_fixtures_are_present()
    {
        Assert.True(All.Value.Count >= 900, $"only {All.Value.Count} fixture graphs");
        foreach (var group in new[] { "shapes", "test_order", "c2024-array", "c2024-dataframe", "c2024-bag", "c2024-delayed", "r2022-random", "r2022v-random" })
            Assert.Contains(All.Value.Values, f => f.Group == group);
        Assert.Contains(All.Value.Values, f => f.External.Length > 0);
        Assert.Contains(All.Value.Values, f => f.Data.Length > 0);
        Assert.Contains(All.Value.Values, f => f.Dask == null);
        Assert.Contains(All.Value.Values, f => f.Dask != null && f.Keys.Length > 1000);
    }

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void Order2024_matches_dask(string fixture)
    {
        var f = All.Value[fixture];
        var actual = Run(f);
        // Where dask.order.order gives the same answer under every hash seed tried, we give it too.
        if (f.Dask != null && !StableButDiffers.Contains(fixture)) AssertSameOrder(f, f.Dask, actual, "dask.order.order");
        // Everywhere: Dask with its hash-ordered set iterations taken in graph order.
        AssertSameOrder(f, f.GraphOrder, actual, "dask.order.order (set iterations in graph order)");

        // The dictionary entry point agrees (dependencies outside the tasks become external keys).
        var tasks = new Dictionary<string, object?>();
        var dependencies = new Dictionary<string, HashSet<string>>();
        var all = f.Keys.Concat(f.External).ToArray();
        for (int i = 0; i < f.Keys.Length; i++)
        {
            tasks.Add(f.Keys[i], null);
            dependencies.Add(f.Keys[i], [.. f.Deps[i].Select(j => all[j])]);
        }
        if (f.External.Length == 0)
        {
            // External keys are numbered in first-seen order there, which may differ from the fixture's.
            var byKey = DaskOrder2024.Order(tasks, dependencies, f.Data.Select(i => f.Keys[i]).ToHashSet());
            Assert.Equal(actual, f.Keys.Select(k => byKey[k]).ToArray());
        }
    }

    private static void AssertSameOrder(Fixture f, long[] expected, long[] actual, string oracle)
    {
        Assert.Equal(expected.Length, actual.Length);
        int wrong = Enumerable.Range(0, expected.Length).Count(j => expected[j] != actual[j]);
        if (wrong == 0) return;
        long firstStep = Enumerable.Range(0, expected.Length).Where(j => expected[j] != actual[j]).Min(j => expected[j]);
        int at = Array.IndexOf(expected, firstStep);
        Assert.Fail($"{f.Group}/{f.Name}: {wrong} of {expected.Length} priorities differ from {oracle}; first wrong step {firstStep}: " +
                    $"key {f.Keys[at]} expected {firstStep} got {actual[at]}");
    }

    [Fact]
    public void Order2024_docstring_example_and_trivial_graphs()
    {
        Assert.Empty(DaskOrder2024.Order([], []));
        Assert.Equal([0L], DaskOrder2024.Order(["x"], [[]]));
        // order()'s docstring: {'a': 1, 'b': 2, 'c': (inc, 'a'), 'd': (add, 'b', 'c')} -> a 0, c 1, b 2, d 3
        var o = DaskOrder2024.Order(["a", "b", "c", "d"], [[], [], [0], [1, 2]], [true, true, false, false]);
        Assert.Equal([0L, 2L, 1L, 3L], o);
    }

    [Fact]
    public void Order2024_external_keys_get_no_number()
    {
        // t depends on a held key; the held key shares t's number and is not returned.
        Assert.Equal([0L, 1L], DaskOrder2024.Order(["t", "u"], [[2], [0]], externalKeys: ["held"]));
        var byKey = DaskOrder2024.Order(new Dictionary<string, object?> { ["t"] = null, ["u"] = null },
            new Dictionary<string, HashSet<string>> { ["t"] = ["held"], ["u"] = ["t", "held"] });
        Assert.Equal(2, byKey.Count);
        Assert.Equal(0, byKey["t"]);
        Assert.Equal(1, byKey["u"]);
    }

    [Fact]
    public void Order2024_rejects_cycles()
    {
        var e = Assert.Throws<InvalidOperationException>(() => DaskOrder2024.Order(["x", "y", "z", "w"], [[2], [0], [1], [0]]));
        Assert.StartsWith("Cycle detected between the following keys:", e.Message);
        Assert.Contains("-> x", e.Message);
        // A self-dependency is a cycle in 2024.12.1 (order() reads the spec's own dependencies).
        Assert.Throws<InvalidOperationException>(() => DaskOrder2024.Order(["x"], [[0]]));
    }

    [Fact]
    public void Order2024_deep_chain_does_not_recurse()
    {
        const int n = 1_000_000;
        var keys = new string[n];
        var deps = new int[n][];
        for (int i = 0; i < n; i++)
        {
            keys[i] = "c-" + i;
            deps[i] = i == 0 ? [] : [i - 1];
        }
        var o = DaskOrder2024.Order(keys, deps);
        for (int i = 0; i < n; i++) Assert.Equal(i, o[i]);
    }

    /// <summary>
    /// Random DAGs (with data roots and external keys): what Python's order guarantees. Every task gets a distinct
    /// number in 0..n-1 (external keys and data roots do not break that; only legacy alias leaves do), and a
    /// dependency is numbered before its dependent: order() only adds a task once nothing it needs is missing,
    /// and a removed data root is numbered right before the first task needing it.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Order2024_random_graphs_are_topological_permutations(int seed)
    {
        var rng = new Random(seed);
        for (int t = 0; t < 300; t++)
        {
            int n = rng.Next(1, 300);
            int nExt = rng.Next(0, 4);
            var keys = Enumerable.Range(0, n).Select(i => $"('k-{rng.Next(5)}', {i})").ToArray();
            var deps = new int[n][];
            for (int i = 0; i < n; i++)
            {
                int c = i == 0 ? 0 : rng.Next(0, 5);
                deps[i] = Enumerable.Range(0, c).Select(_ => rng.Next(10) == 0 && nExt > 0 ? n + rng.Next(nExt) : rng.Next(Math.Max(0, i - rng.Next(1, 40)), i)).ToArray();
            }
            var isData = Enumerable.Range(0, n).Select(i => deps[i].Length == 0 && rng.Next(2) == 0).ToArray();
            var ext = Enumerable.Range(0, nExt).Select(j => "held-" + j).ToArray();
            var o = DaskOrder2024.Order(keys, deps, isData, ext);
            Assert.Equal(Enumerable.Range(0, n).Select(i => (long)i), o.OrderBy(p => p));
            for (int i = 0; i < n; i++)
                foreach (var d in deps[i])
                    if (d < n) Assert.True(o[d] < o[i], $"seed {seed} graph {t}: {keys[d]} ({o[d]}) not before {keys[i]} ({o[i]})");
        }
    }

    [Fact]
    public void Order2024_orders_100k_task_graphs_completely_and_topologically()
    {
        const int n = 100_000;
        var (keys, deps) = DaskOrderTests.BigGraph(n, 1);
        DaskOrder2024.Order(keys, deps); // warm-up (JIT)
        var sw = Stopwatch.StartNew();
        var o = DaskOrder2024.Order(keys, deps);
        sw.Stop();
        // A delayed-like graph: many independent chains and tree reductions.
        var (tkeys, tdeps) = TreeGraph(n);
        DaskOrder2024.Order(tkeys, tdeps);
        var sw2 = Stopwatch.StartNew();
        var o2 = DaskOrder2024.Order(tkeys, tdeps);
        sw2.Stop();
        output.WriteLine($"100k tasks: layered random DAG {sw.Elapsed.TotalMilliseconds:F1} ms; tree reductions {sw2.Elapsed.TotalMilliseconds:F1} ms");
        foreach (var (p, ds) in new[] { (o, deps), (o2, tdeps) })
        {
            Assert.Equal(Enumerable.Range(0, n).Select(i => (long)i), p.OrderBy(x => x));
            for (int i = 0; i < n; i++)
                foreach (var d in ds[i])
                    Assert.True(p[d] < p[i]);
        }
        // Speed is measured by the benchmarks, not asserted here: this test checks a big graph's order is complete
        // and topological.
    }

    /// <summary>Load -> process -> pairwise tree sum, in groups of 1000 leaves, as dask.delayed builds it.</summary>
    private static (string[] Keys, int[][] Deps) TreeGraph(int n)
    {
        var keys = new List<string>(n);
        var deps = new List<int[]>(n);
        int g = 0;
        while (keys.Count < n)
        {
            var level = new List<int>();
            for (int j = 0; j < 1000 && keys.Count + 2 < n; j++)
            {
                keys.Add($"load-{g}-{j}"); deps.Add([]);
                keys.Add($"inc-{g}-{j}"); deps.Add([keys.Count - 2]);
                level.Add(keys.Count - 1);
            }
            while (level.Count > 1 && keys.Count < n)
            {
                var next = new List<int>();
                for (int j = 0; j + 1 < level.Count && keys.Count < n; j += 2)
                {
                    keys.Add($"add-{g}-{keys.Count}"); deps.Add([level[j], level[j + 1]]);
                    next.Add(keys.Count - 1);
                }
                level = next;
            }
            while (keys.Count < n && level.Count == 0) { keys.Add($"pad-{keys.Count}"); deps.Add([]); }
            g++;
        }
        return ([.. keys], [.. deps]);
    }
}
