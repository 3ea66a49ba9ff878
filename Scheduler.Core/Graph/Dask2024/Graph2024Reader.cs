using System.Runtime.InteropServices;
using Scheduler.Core.Pickle.Symbolic;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.Graph.Dask2024;

/// <summary>
/// Reads the graph of a Dask 2024.12 <c>update-graph</c> (<c>graph_frames</c>: the pickle of
/// <c>ToPickle(HighLevelGraph)</c> and its out-of-band buffers) without unpickling it, as the Python scheduler's
/// <c>_materialize_graph</c> would see it: layers in <c>ensure_dict</c> order (a later layer's task replaces an
/// earlier one's), each task's dependencies, a standalone run_spec pickle per task, and layer annotations.
/// </summary>
public static class Graph2024Reader
{
    private const string ToPickleClass = "distributed.protocol.serialize.ToPickle";
    private const string HlgClass = "dask.highlevelgraph.HighLevelGraph";

    /// <summary>Reads the whole graph; a layer this scheduler cannot expand throws <see cref="UnsupportedLayerException"/>.</summary>
    public static UnpackedGraph Read(byte[] pickle, IReadOnlyList<byte[]> buffers, PickleBounds bounds) =>
        Read(SymbolicReader.Read(pickle, bounds), buffers, bounds, skipUnsupported: false).Graph;

    /// <summary>Reads the layers this scheduler can expand and names the classes of the others.</summary>
    public static Graph2024ReadResult ReadSupportedLayers(byte[] pickle, IReadOnlyList<byte[]> buffers, PickleBounds bounds) =>
        Read(SymbolicReader.Read(pickle, bounds), buffers, bounds, skipUnsupported: true);

    /// <summary>The layers of a pickled <c>ToPickle(HighLevelGraph)</c> (or bare HighLevelGraph), each layer object once.</summary>
    public static IReadOnlyList<HlgLayer> Layers(PickleNode root)
    {
        var hlg = root;
        if (root.CallableName == ToPickleClass)
            hlg = ObjectState.Get(root, "data") ?? throw new UnsupportedLayerException("a ToPickle without data");
        if (hlg.CallableName != HlgClass)
            throw new UnsupportedLayerException($"The graph is a {KeyNodes.Describe(hlg)}, not a {HlgClass}.");
        if (!ObjectState.TryGet(hlg, "layers", out var layers) || layers.Kind != NodeKind.Dict)
            throw new UnsupportedLayerException("a HighLevelGraph without a dict of layers");
        var result = new List<HlgLayer>(layers.Pairs.Count);
        var seen = new HashSet<PickleNode>(ReferenceEqualityComparer.Instance); // ensure_dict: toolz.unique(..., key=id)
        // A delayed graph has a layer per call, all with the same class global (one memoized node): name it once.
        var classNames = new Dictionary<PickleNode, string>(ReferenceEqualityComparer.Instance);
        foreach (var (name, layer) in layers.Pairs)
        {
            // Only a layer the pickle refers to twice can be in the dict twice (see PickleNode.Referenced).
            if (layer.Referenced && !seen.Add(layer)) continue;
            string? cls = null;
            if (layer.IsCall && layer.Callable!.Kind == NodeKind.Global && !classNames.TryGetValue(layer.Callable, out cls))
                classNames[layer.Callable] = cls = layer.CallableName!;
            if (cls == null) throw new UnsupportedLayerException($"a graph layer that is a {KeyNodes.Describe(layer)}, not an object");
            result.Add(new HlgLayer(name, cls, layer));
        }
        return result;
    }

    public static Graph2024ReadResult Read(PickleNode root, IReadOnlyList<byte[]> buffers, PickleBounds bounds, bool skipUnsupported) =>
        Read(root, buffers, bounds, skipUnsupported, parts: null);

    /// <summary>As above, with the tasks built in <paramref name="parts"/> ranges at once (null: by size and cores).</summary>
    internal static Graph2024ReadResult Read(PickleNode root, IReadOnlyList<byte[]> buffers, PickleBounds bounds, bool skipUnsupported, int? parts)
    {
        var layers = Layers(root);
        var skipped = new List<string>();
        // One list of every layer's tasks (a delayed graph has a layer per task: a list each would cost more than the task).
        var expanded = new List<(HlgLayer Layer, int Start, int Count, PickleNode? Annotations)>(layers.Count);
        var all = new List<LayerTask>(layers.Count);
        // Every key of the graph first: a legacy task may reference a key of any layer, earlier or later.
        var allKeys = new Dictionary<string, PickleNode>();
        bool numberKeys = false; // dask 2024.12 keys may be ints or floats; then number arguments may name them
        foreach (var layer in layers)
        {
            if (!layer.IsSupported)
            {
                if (!skipUnsupported)
                    throw new UnsupportedLayerException($"This scheduler cannot expand the graph layer {layer.ClassName} of a Dask 2024.12 client yet.");
                skipped.Add(layer.ClassName);
                continue;
            }
            int start = all.Count;
            PickleNode? annotations;
            if (layer.ClassName == HlgLayer.Materialized) annotations = MaterializedTasks(layer, all);
            else
            {
                MapTasks(layer, all);
                annotations = ObjectState.Get(layer.Node, "annotations");
            }
            for (int i = start; i < all.Count; i++)
            {
                allKeys.TryAdd(all[i].Key, all[i].KeyNode);
                numberKeys |= all[i].KeyNode.Kind is NodeKind.Int or NodeKind.Float;
            }
            expanded.Add((layer, start, all.Count - start, annotations));
        }

        var built = BuildTasks(all, allKeys, numberKeys, buffers, bounds,
            parts ?? (all.Count < ParallelTasks ? 1 : Math.Min(Environment.ProcessorCount, 4)));
        var graph = new UnpackedGraph();
        graph.Tasks.EnsureCapacity(all.Count);
        graph.Dependencies.EnsureCapacity(all.Count);
        // In graph order, as ensure_dict does: a later layer's task replaces an earlier one's.
        foreach (var (layer, start, count, annotations) in expanded)
        {
            for (int i = start; i < start + count; i++)
            {
                graph.Tasks[all[i].Key] = built[i].RunSpec;
                graph.Dependencies[all[i].Key] = built[i].Dependencies;
            }
            if (annotations is { Kind: not NodeKind.None })
                ApplyAnnotations(graph, layer, annotations, CollectionsMarshal.AsSpan(all).Slice(start, count));
        }
        return new Graph2024ReadResult(graph, skipped);
    }

    /// <summary>Below this many tasks a graph is built on the calling thread alone.</summary>
    private const int ParallelTasks = 8192;

    /// <summary>
    /// Each task's run_spec and dependencies, by position. A big graph is cut into one contiguous range per core, each
    /// with its own emitter: the nodes are only read, and each emitter replays the values its tasks share (the same
    /// bytes either way). Expanding a graph runs on its client's connection, not on the scheduler's thread, so the
    /// other core would otherwise idle while a 100k-task graph is read. A failure is the one the first failing task
    /// (in graph order) raises, as when built in one pass.
    /// </summary>
    private static BuiltTask[] BuildTasks(List<LayerTask> all, Dictionary<string, PickleNode> allKeys, bool numberKeys,
        IReadOnlyList<byte[]> buffers, PickleBounds bounds, int parts)
    {
        var built = new BuiltTask[all.Count];
        parts = Math.Clamp(parts, 1, Math.Max(1, all.Count));
        if (parts == 1)
        {
            var builder = new TaskBuilder(allKeys, numberKeys, buffers, bounds);
            for (int i = 0; i < all.Count; i++) built[i] = builder.Build(all[i]);
            return built;
        }
        var failures = new (int Index, System.Runtime.ExceptionServices.ExceptionDispatchInfo Error)?[parts];
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, part =>
        {
            int from = (int)((long)all.Count * part / parts), to = (int)((long)all.Count * (part + 1) / parts);
            var builder = new TaskBuilder(allKeys, numberKeys, buffers, bounds);
            int i = from;
            try
            {
                for (; i < to; i++) built[i] = builder.Build(all[i]);
            }
            catch (Exception e)
            {
                failures[part] = (i, System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e));
            }
        });
        foreach (var f in failures)
            f?.Error.Throw(); // ranges are in graph order: the first recorded is the first failing task
        return built;
    }

    private readonly record struct BuiltTask(Pickled? RunSpec, HashSet<string> Dependencies);

    /// <summary>Builds tasks one after another with one emitter (and its replay of shared values) and one dependency walker.</summary>
    private sealed class TaskBuilder(Dictionary<string, PickleNode> allKeys, bool numberKeys, IReadOnlyList<byte[]> buffers, PickleBounds bounds)
    {
        private readonly SymbolicEmitter _emitter = new(bounds) { ReuseSharedSubtrees = true };
        private readonly LegacyDependencies _legacy = new(bounds);
        private readonly List<PickleNode> _refs = [];

        public BuiltTask Build(in LayerTask t)
        {
            var deps = new HashSet<string>();
            Pickled? runSpec;
            if (t.Value != null)
            {
                // MaterializedLayer
                if (TaskSpecNodes.IsGraphNode(t.Value))
                {
                    if (TaskSpecNodes.IsSelfAlias(t.Value, t.Key))
                    {
                        runSpec = null; // dask drops Alias(k -> k): the key names a task that exists already
                    }
                    else
                    {
                        TaskSpecNodes.AddDependencies(t.Value, deps);
                        _emitter.EmitInPlace(t.Value);
                        runSpec = ToPickled(_emitter, buffers);
                    }
                }
                else if (KeyNodes.TryKey(t.Value, out var same) && same == t.Key)
                {
                    runSpec = null; // {k: k}: the same self-alias in legacy form
                }
                else
                {
                    _legacy.Collect(t.Value, allKeys, t.Key, deps, numberKeys);
                    // the conversion's key set: the graph keys referenced (graph nodes inside are converted already)
                    _refs.Clear();
                    foreach (var d in deps)
                        if (allKeys.TryGetValue(d, out var dn)) _refs.Add(dn);
                    DeferredRunSpecs.EmitLegacy(_emitter, t.KeyNode, t.Value, _refs);
                    runSpec = ToPickled(_emitter, buffers);
                }
            }
            else
            {
                // _MapLayer: Task(key, func, *args, **kwargs) as _construct_graph builds it
                foreach (var a in t.Args!) TaskSpecNodes.AddArgumentDependencies(a, deps);
                foreach (var (_, v) in t.Kwargs!) TaskSpecNodes.AddArgumentDependencies(v, deps);
                _emitter.EmitInPlace(DeferredRunSpecs.Task(t.KeyNode, t.Func!, t.Args, t.Kwargs));
                runSpec = ToPickled(_emitter, buffers);
            }
            deps.Remove(t.Key);
            return new BuiltTask(runSpec, deps);
        }
    }

    /// <summary>The pickle the emitter just wrote, with the buffers it references.</summary>
    private static Pickled ToPickled(SymbolicEmitter emitter, IReadOnlyList<byte[]> buffers)
    {
        var indices = emitter.OutputBuffers;
        var frames = indices.Count == 0 ? [] : new byte[indices.Count][];
        for (int i = 0; i < frames.Length; i++)
        {
            int index = indices[i];
            if (index >= buffers.Count)
                throw new PickleRefusedException($"the graph uses out-of-band buffer {index} but only {buffers.Count} were sent");
            frames[i] = buffers[index]; // shared, never copied: these can be large arrays
        }
        return Pickled.FromPickle(emitter.Output, frames);
    }

    /// <summary>A task of a layer before its run_spec exists: a mapping value, or a _MapLayer call.</summary>
    private readonly record struct LayerTask(string Key, PickleNode KeyNode, PickleNode? Value,
        PickleNode? Func = null, PickleNode[]? Args = null, IReadOnlyList<KeyValuePair<PickleNode, PickleNode>>? Kwargs = null);

    /// <summary>Adds the layer's tasks; returns its annotations node (null when it has none).</summary>
    private static PickleNode? MaterializedTasks(HlgLayer layer, List<LayerTask> tasks)
    {
        ObjectState.Get(layer.Node, "mapping", "annotations", out var mapping, out var annotations);
        if (mapping is not { Kind: NodeKind.Dict })
            throw new UnsupportedLayerException($"a {layer.ClassName} whose mapping is not a dict");
        foreach (var (k, v) in mapping.Pairs) tasks.Add(new LayerTask(KeyNodes.Key(k, "a graph key"), k, v));
        return annotations;
    }

    private static void MapTasks(HlgLayer layer, List<LayerTask> tasks)
    {
        var node = layer.Node;
        if (!ObjectState.TryGet(node, "_cached_keys", out var keys) || keys.Kind is not (NodeKind.List or NodeKind.Tuple))
            throw new UnsupportedLayerException("a _MapLayer without the keys the client computed (_cached_keys): computing them needs Python's tokenize.");
        var func = ObjectState.Get(node, "func") ?? throw new UnsupportedLayerException("a _MapLayer without func");
        if (!ObjectState.TryGet(node, "iterables", out var iterables) || iterables.Kind is not (NodeKind.List or NodeKind.Tuple)
            || iterables.Items.Any(it => it.Kind != NodeKind.Tuple))
            throw new UnsupportedLayerException("a _MapLayer whose iterables are not a list of tuples");
        IReadOnlyList<KeyValuePair<PickleNode, PickleNode>> kwargs = [];
        if (ObjectState.TryGet(node, "kwargs", out var kw))
            kwargs = kw.Kind == NodeKind.Dict ? kw.Pairs : throw new UnsupportedLayerException("a _MapLayer whose kwargs are not a dict");

        // zip(self._keys, zip(*self.iterables)): as many tasks as the shortest of them; none without iterables
        int n = iterables.Items.Count == 0 ? 0 : keys.Items.Count;
        foreach (var it in iterables.Items) n = Math.Min(n, it.Items.Count);
        for (int i = 0; i < n; i++)
        {
            var args = new PickleNode[iterables.Items.Count];
            for (int j = 0; j < args.Length; j++) args[j] = iterables.Items[j].Items[i];
            var keyNode = keys.Items[i];
            tasks.Add(new LayerTask(KeyNodes.Key(keyNode, "a map key"), keyNode, null, func, args, kwargs));
        }
    }

    /// <summary>
    /// Layer.annotations for every key of the layer. dask 2024.12's _materialize_graph applies layers in order with
    /// dict.update, so for a key in two layers the later layer's value wins.
    /// </summary>
    private static void ApplyAnnotations(UnpackedGraph graph, HlgLayer layer, PickleNode annotations, ReadOnlySpan<LayerTask> tasks)
    {
        if (annotations.Kind != NodeKind.Dict) throw new UnsupportedLayerException($"the annotations of a {layer.ClassName} are not a dict");
        foreach (var (nameNode, valueNode) in annotations.Pairs)
        {
            var name = nameNode.AsString ?? throw new UnsupportedLayerException("an annotation whose name is not a str");
            if (PlainValues.IsCallableValue(valueNode))
                throw new UnsupportedLayerException(
                    $"The graph layer {layer.ClassName} has a callable annotation '{name}' (a function of the key): applying it needs Python, which this scheduler does not run.");
            object? value;
            try
            {
                value = PlainValues.FromNode(valueNode);
            }
            catch (PickleRefusedException e)
            {
                throw new UnsupportedLayerException($"The annotation '{name}' of a graph layer is not a plain value: {e.Message}");
            }
            if (!graph.Annotations.TryGetValue(name, out var byKey)) graph.Annotations[name] = byKey = [];
            foreach (ref readonly var t in tasks) byKey[t.Key] = value;
        }
    }
}
