using Scheduler.Core.Protocol;
using Scheduler.Core.State;

namespace Scheduler.Core.Graph;

/// <summary>
/// A submitted graph in the form the scheduler state consumes it: positions instead of keys. Everything here is
/// a pure function of the client's message, so the host builds it on the client's connection, off the actor
/// thread (expanding layers and <c>dask.order</c> are most of what a big graph costs); the actor then only
/// creates task states and links them by position, without hashing a key per dependency.
/// </summary>
public sealed class PreparedGraph
{
    /// <summary>Graph keys: first the keys with a task spec (<see cref="TaskCount"/>, in the message's order), then
    /// keys that only appear as dependency owners (legacy update-graph).</summary>
    public required string[] Keys { get; init; }

    public required int TaskCount { get; init; }

    /// <summary>Task spec of each of the first <see cref="TaskCount"/> keys, passed through untouched.</summary>
    public required object?[] Specs { get; init; }

    /// <summary>Dependencies of node i: <c>Deps[DepStart[i]..DepStart[i+1]]</c>, in the dependency set's order,
    /// without duplicates or self-references. A value v &lt; Keys.Length is a node; otherwise it is
    /// <c>External[v - Keys.Length]</c>, a key the graph depends on without defining it.</summary>
    public required int[] DepStart { get; init; }

    public required int[] Deps { get; init; }

    public required string[] External { get; init; }

    /// <summary>Group name (<c>key_split_group</c>) of each node, as an index into <see cref="GroupNames"/>.</summary>
    public required int[] Group { get; init; }

    public required string[] GroupNames { get; init; }

    /// <summary>Key -> node position.</summary>
    public required Dictionary<string, int> Index { get; init; }

    public required Dictionary<string, Dictionary<string, object?>> Annotations { get; init; }

    /// <summary><c>dask.order</c> position of each task node (over the whole graph, as update_graph_hlg orders it),
    /// or null when the graph was not ordered here.</summary>
    public long[]? Order { get; init; }

    public int NodeCount => Keys.Length;

    /// <summary>The key a dependency value names.</summary>
    public string KeyOf(int v) => v < Keys.Length ? Keys[v] : External[v - Keys.Length];

    public ReadOnlySpan<int> DependenciesOf(int node) => Deps.AsSpan(DepStart[node], DepStart[node + 1] - DepStart[node]);

    /// <summary>Positions the graph from the unpacker's dictionaries; orders it when <paramref name="order"/>
    /// (throws <see cref="InvalidOperationException"/> for a cycle).</summary>
    public static PreparedGraph From(UnpackedGraph graph, bool order)
    {
        var tasks = graph.Tasks;
        var dependencies = graph.Dependencies;
        var index = new Dictionary<string, int>(tasks.Count, StringComparer.Ordinal);
        var keys = new List<string>(tasks.Count);
        var specs = new object?[tasks.Count];
        foreach (var (k, spec) in tasks)
        {
            specs[keys.Count] = spec;
            index.Add(k, keys.Count);
            keys.Add(k);
        }
        int taskCount = keys.Count;
        foreach (var k in dependencies.Keys)
            if (index.TryAdd(k, keys.Count)) keys.Add(k);
        int n = keys.Count;

        var depStart = new int[n + 1];
        var deps = new List<int>(n * 2);
        var external = new List<string>();
        var externalIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        // The readers add each task's dependencies in the order of its spec, so the two dictionaries usually walk in
        // step: then a task's set comes without hashing its key again.
        using var inStep = dependencies.GetEnumerator();
        bool stepping = dependencies.Count == tasks.Count;
        for (int i = 0; i < n; i++)
        {
            depStart[i] = deps.Count;
            HashSet<string>? set = null;
            if (stepping && i < taskCount && inStep.MoveNext() && ReferenceEquals(inStep.Current.Key, keys[i])) set = inStep.Current.Value;
            else
            {
                stepping = false;
                if (!dependencies.TryGetValue(keys[i], out set)) continue;
            }
            foreach (var d in set)
            {
                if (d == keys[i]) continue; // Dask strips self-dependencies
                if (index.TryGetValue(d, out var j)) deps.Add(j);
                else
                {
                    if (!externalIndex.TryGetValue(d, out var e))
                    {
                        externalIndex.Add(d, e = external.Count);
                        external.Add(d);
                    }
                    deps.Add(n + e);
                }
            }
        }
        depStart[n] = deps.Count;

        var groupOf = new int[n];
        var groupNames = new List<string>();
        var groupIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < n; i++)
        {
            var g = TaskKeys.KeySplitGroup(keys[i]);
            if (!groupIndex.TryGetValue(g, out var gi))
            {
                groupIndex.Add(g, gi = groupNames.Count);
                groupNames.Add(g);
            }
            groupOf[i] = gi;
        }

        var prepared = new PreparedGraph
        {
            Keys = [.. keys],
            TaskCount = taskCount,
            Specs = specs,
            DepStart = depStart,
            Deps = [.. deps],
            External = [.. external],
            Group = groupOf,
            GroupNames = [.. groupNames],
            Index = index,
            Annotations = graph.Annotations,
        };
        return order ? prepared.WithOrder(prepared.OrderTasks(_ => true)) : prepared;
    }

    /// <summary>
    /// <c>dask.order</c> as Dask 2024.12.1 runs it (its rewritten algorithm) over the task nodes, with dependencies on
    /// keys the graph does not define passed as external keys, as the 2024 scheduler passes them.
    /// </summary>
    public PreparedGraph OrderedBy2024()
    {
        int tc = TaskCount;
        var external = new List<string>(External.Length);
        var externalOf = new Dictionary<int, int>();
        var deps = new int[tc][];
        for (int i = 0; i < tc; i++)
        {
            var ds = DependenciesOf(i);
            var list = new int[ds.Length];
            for (int j = 0; j < ds.Length; j++)
            {
                int v = ds[j];
                if (v < tc) { list[j] = v; continue; }
                if (!externalOf.TryGetValue(v, out var e))
                {
                    externalOf.Add(v, e = external.Count);
                    external.Add(KeyOf(v));
                }
                list[j] = tc + e;
            }
            deps[i] = list;
        }
        return WithOrder(Order2024.DaskOrder2024.Order(Keys[..tc], deps, null, [.. external]));
    }

    private PreparedGraph WithOrder(long[] order) => new()
    {
        Keys = Keys, TaskCount = TaskCount, Specs = Specs, DepStart = DepStart, Deps = Deps, External = External,
        Group = Group, GroupNames = GroupNames, Index = Index, Annotations = Annotations, Order = order,
    };

    /// <summary>
    /// <c>dask.order</c> over the task nodes for which <paramref name="include"/> holds, with dependencies
    /// restricted to them (Dask's stripped_deps). Returns a position per task node; excluded ones get -1.
    /// </summary>
    public long[] OrderTasks(Func<int, bool> include)
    {
        var positions = new int[TaskCount];
        var keys = new List<string>(TaskCount);
        for (int i = 0; i < TaskCount; i++)
        {
            positions[i] = -1;
            if (!include(i)) continue;
            positions[i] = keys.Count;
            keys.Add(Keys[i]);
        }
        var start = new int[keys.Count + 1];
        var flat = new List<int>(Deps.Length);
        int p = 0;
        for (int i = 0; i < TaskCount; i++)
        {
            if (positions[i] < 0) continue;
            start[p] = flat.Count;
            foreach (var d in DependenciesOf(i))
                if (d < TaskCount && positions[d] >= 0) flat.Add(positions[d]);
            p++;
        }
        start[p] = flat.Count;
        var priorities = DaskOrder.Order(OrderGraph.Create([.. keys], start, [.. flat]));
        var result = new long[TaskCount];
        for (int i = 0; i < TaskCount; i++) result[i] = positions[i] >= 0 ? priorities[positions[i]] : -1;
        return result;
    }
}

/// <summary>What the host computed from an update-graph-hlg message before posting it: the prepared graph, or
/// why it was refused (the user reads the reason as the task error).</summary>
public sealed class GraphPreparation
{
    public PreparedGraph? Graph { get; private init; }
    public string? Refusal { get; private init; }
    /// <summary>The unexpected exception behind a refusal, for the log.</summary>
    public Exception? Error { get; private init; }

    /// <summary>Expands the layers and, when the client sent no priorities, orders the graph.</summary>
    public static GraphPreparation FromHlg(MsgMap msg)
    {
        UnpackedGraph graph;
        try
        {
            graph = msg["hlg"] is MsgMap hlg ? HlgUnpacker.Unpack(hlg) : throw new UnsupportedLayerException("update-graph-hlg without hlg");
        }
        catch (UnsupportedLayerException e)
        {
            return new GraphPreparation { Refusal = e.Message };
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A layer state that does not have the shape Dask gives it: refuse that graph, keep everything else.
            return new GraphPreparation
            {
                Refusal = $"This scheduler could not expand the graph: {e.GetType().Name}: {e.Message}",
                Error = e,
            };
        }
        // As update_graph_hlg: dask.order over the whole unpacked graph, before tasks already in memory are pruned,
        // so priorities equal Python's.
        return Prepare(graph, order: msg["priority"] is not MsgMap);
    }

    /// <summary>A graph refused with a reason the user reads (and the unexpected exception behind it, if any).</summary>
    public static GraphPreparation Refused(string reason, Exception? error = null) => new() { Refusal = reason, Error = error };

    /// <summary>Positions an expanded graph and, when <paramref name="order"/>, orders it (with Dask 2024.12's
    /// algorithm when <paramref name="order2024"/>).</summary>
    public static GraphPreparation Prepare(UnpackedGraph graph, bool order, bool order2024 = false)
    {
        try
        {
            var prepared = PreparedGraph.From(graph, order && !order2024);
            return new GraphPreparation { Graph = order && order2024 ? prepared.OrderedBy2024() : prepared };
        }
        catch (InvalidOperationException e)
        {
            return new GraphPreparation { Refusal = "This graph cannot be ordered: " + e.Message };
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new GraphPreparation { Refusal = $"This scheduler could not prepare the graph: {e.GetType().Name}: {e.Message}", Error = e };
        }
    }
}
