using Scheduler.Core.Pickle;
using Scheduler.Core.Protocol;

namespace Scheduler.Perf.Graphs;

/// <summary>One task of a generated graph: its key, the keys it depends on, and its pickled function and args.</summary>
public readonly record struct GeneratedTask(string Key, string[] Dependencies, byte[] Function, byte[] Args);

/// <summary>A generated graph and the keys the client asks for (the futures it would hold).</summary>
public sealed record GeneratedGraph(string Name, List<GeneratedTask> Tasks, string[] Wanted)
{
    public int Count => Tasks.Count;
}

/// <summary>
/// The graph shapes of the rsds benchmarks, keyed and encoded as a Python client encodes them: tuple keys
/// stringified (<c>"('merge-part', 7)"</c>), dependencies as key strings inside pickled args, one
/// MaterializedLayer. Functions are the captured cloudpickles of <c>inc</c> and <c>add</c> (c_delayed) and
/// <c>builtins.sum</c> by reference, so the graphs also run, with the expected results, on real dask-workers.
/// </summary>
public static class GraphShapes
{
    public static readonly string[] Names = ["merge", "tree", "chain", "fan", "map", "random"];

    private static readonly byte[] Inc = Payload("inc.function.pickle");
    private static readonly byte[] Add = Payload("add.function.pickle");
    private static readonly byte[] Sum = new PickleWriter().Global("builtins", "sum").ToArray();

    /// <summary>"merge-10000": the shape and size written as the graphs are named.</summary>
    public static GeneratedGraph Parse(string spec)
    {
        int dash = spec.LastIndexOf('-');
        if (dash <= 0 || !int.TryParse(spec[(dash + 1)..], System.Globalization.CultureInfo.InvariantCulture, out int n))
            throw new ArgumentException($"a graph is written shape-size (merge-10000), not {spec}");
        return Build(spec[..dash], n);
    }

    /// <summary>n tasks of that shape (the root included where there is one).</summary>
    public static GeneratedGraph Build(string shape, int n, int seed = 1) => shape switch
    {
        "merge" => Merge(n),
        "tree" => Tree(n),
        "chain" => Chain(n),
        "fan" => Fan(n),
        "map" => Map(n),
        "random" => RandomLayers(n, seed),
        _ => throw new ArgumentException($"unknown shape {shape}; known: {string.Join(", ", Names)}"),
    };

    /// <summary>n - 1 independent inc(i) and one sum over all of them (bench.py's merge).</summary>
    public static GeneratedGraph Merge(int n)
    {
        var tasks = new List<GeneratedTask>(n);
        var parts = new string[Math.Max(0, n - 1)];
        for (int i = 0; i < parts.Length; i++)
        {
            parts[i] = Key("merge-part", i);
            tasks.Add(new(parts[i], [], Inc, IntArgs(i)));
        }
        tasks.Add(new("merge-total", parts, Sum, ListArgs(parts)));
        return new($"merge-{n}", tasks, ["merge-total"]);
    }

    /// <summary>A binary reduction: leaves inc(i), then add(left, right) level by level, about n tasks.</summary>
    public static GeneratedGraph Tree(int n)
    {
        int leaves = Math.Max(1, (n + 1) / 2);
        var tasks = new List<GeneratedTask>(n);
        var level = new string[leaves];
        for (int i = 0; i < leaves; i++)
        {
            level[i] = Key("tree-leaf", i);
            tasks.Add(new(level[i], [], Inc, IntArgs(i)));
        }
        for (int d = 1; level.Length > 1; d++)
        {
            var next = new string[(level.Length + 1) / 2];
            for (int i = 0; i < next.Length; i++)
            {
                next[i] = Key($"tree-{d}", i);
                if (2 * i + 1 < level.Length)
                    tasks.Add(new(next[i], [level[2 * i], level[2 * i + 1]], Add, KeyArgs(level[2 * i], level[2 * i + 1])));
                else
                    tasks.Add(new(next[i], [level[2 * i]], Inc, KeyArgs(level[2 * i])));
            }
            level = next;
        }
        return new($"tree-{n}", tasks, [level[0]]);
    }

    /// <summary>inc(inc(...inc(0))): n tasks, each waiting for the one before.</summary>
    public static GeneratedGraph Chain(int n)
    {
        var tasks = new List<GeneratedTask>(n);
        for (int i = 0; i < n; i++)
        {
            var key = Key("chain", i);
            tasks.Add(i == 0 ? new(key, [], Inc, IntArgs(0)) : new(key, [tasks[i - 1].Key], Inc, KeyArgs(tasks[i - 1].Key)));
        }
        return new($"chain-{n}", tasks, [tasks[^1].Key]);
    }

    /// <summary>One root and n - 1 tasks inc(root), all of them wanted (a broadcast, then a gather).</summary>
    public static GeneratedGraph Fan(int n)
    {
        var tasks = new List<GeneratedTask>(n) { new("fan-root", [], Inc, IntArgs(0)) };
        for (int i = 1; i < n; i++) tasks.Add(new(Key("fan", i), ["fan-root"], Inc, KeyArgs("fan-root")));
        return new($"fan-{n}", tasks, tasks.Skip(1).Select(t => t.Key).ToArray());
    }

    /// <summary>n independent inc(i), all wanted (client.map).</summary>
    public static GeneratedGraph Map(int n)
    {
        var tasks = new List<GeneratedTask>(n);
        for (int i = 0; i < n; i++) tasks.Add(new(Key("map", i), [], Inc, IntArgs(i)));
        return new($"map-{n}", tasks, tasks.Select(t => t.Key).ToArray());
    }

    /// <summary>
    /// Layers of about sqrt(n) tasks; each task sums 1 to 3 random tasks of the layer before. Every task nothing
    /// depends on is wanted (a scheduler runs only what wanted keys need).
    /// </summary>
    public static GeneratedGraph RandomLayers(int n, int seed)
    {
        var rng = new Random(seed);
        int width = Math.Max(2, (int)Math.Sqrt(n));
        var tasks = new List<GeneratedTask>(n);
        var previous = Array.Empty<string>();
        var current = new List<string>();
        for (int layer = 0; tasks.Count < n; layer++)
        {
            current.Clear();
            for (int i = 0; i < width && tasks.Count < n; i++)
            {
                var key = Key($"random-{layer}", i);
                current.Add(key);
                if (previous.Length == 0) { tasks.Add(new(key, [], Inc, IntArgs(i))); continue; }
                int k = Math.Min(previous.Length, rng.Next(1, 4));
                var deps = new HashSet<string>();
                while (deps.Count < k) deps.Add(previous[rng.Next(previous.Length)]);
                var d = deps.ToArray();
                tasks.Add(new(key, d, Sum, ListArgs(d)));
            }
            previous = current.ToArray();
        }
        var needed = new HashSet<string>(tasks.SelectMany(t => t.Dependencies), StringComparer.Ordinal);
        return new($"random-{n}", tasks, tasks.Where(t => !needed.Contains(t.Key)).Select(t => t.Key).ToArray());
    }

    /// <summary>The update-graph-hlg message a 2022.12.1 client sends for <c>compute</c> (priority left to the scheduler).</summary>
    public static MsgMap UpdateGraphMessage(GeneratedGraph graph)
    {
        var dsk = new MsgMap(graph.Count);
        var deps = new MsgMap(graph.Count);
        foreach (var t in graph.Tasks)
        {
            dsk.Add(t.Key, new MsgMap().Add("function", t.Function).Add("args", t.Args));
            deps.Add(t.Key, new MsgMap().Add("__Set__", true).Add("as-list", t.Dependencies));
        }
        var layer = new MsgMap().Add("__module__", "dask.highlevelgraph").Add("__name__", "MaterializedLayer")
            .Add("state", new MsgMap().Add("dsk", dsk).Add("dependencies", deps)).Add("annotations", new MsgMap());
        return new MsgMap().Add("op", "update-graph-hlg")
            .Add("hlg", new MsgMap().Add("layers", new object?[] { layer }))
            .Add("keys", graph.Wanted).Add("priority", null).Add("submitting_task", null)
            .Add("fifo_timeout", "60s").Add("actors", false).Add("code", "");
    }

    /// <summary>str(("name", i)) as the client stringifies tuple keys.</summary>
    public static string Key(string name, int i) => $"('{name}', {i})";

    private static byte[] IntArgs(int i) => new PickleWriter().Mark().Int(i).Tuple().ToArray();

    private static byte[] KeyArgs(params string[] keys)
    {
        var w = new PickleWriter().Mark();
        foreach (var k in keys) w.Str(k);
        return w.Tuple().ToArray();
    }

    /// <summary>([k1, k2, ...],): one list argument, as sum(parts) is called.</summary>
    private static byte[] ListArgs(string[] keys)
    {
        var w = new PickleWriter().Mark().EmptyList().Mark();
        foreach (var k in keys) w.Str(k);
        return w.Appends().Tuple().ToArray();
    }

    private static byte[] Payload(string name)
    {
        using var s = typeof(GraphShapes).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded payload {name} is missing");
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }
}
