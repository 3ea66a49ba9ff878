using Scheduler.Core.Graph.Layers;
using Scheduler.Core.Protocol;
using Scheduler.Core.State;

namespace Scheduler.Core.Graph;

/// <summary>
/// Expands the <c>hlg</c> of an update-graph-hlg message into tasks and dependencies, layer by layer,
/// as <c>HighLevelGraph.__dask_distributed_unpack__</c> does. Materialised layers (and any layer whose
/// state is exactly <c>{dsk, dependencies}</c>, such as an ArrayOverlapLayer sent unoptimised) are
/// taken as they are; layers that need scheduler-side expansion are refused by name.
/// </summary>
public static class HlgUnpacker
{
    public static UnpackedGraph Unpack(MsgMap hlg)
    {
        var graph = new UnpackedGraph();
        if (hlg["layers"] is not IList<object?> layers)
            throw new UnsupportedLayerException("update-graph-hlg without a list of layers");
        foreach (var o in layers)
        {
            if (o is not MsgMap layer) throw new UnsupportedLayerException("a graph layer is not a map");
            var module = layer["__module__"] as string;
            var name = layer["__name__"] as string ?? "?";
            var state = layer["state"] as MsgMap ?? throw new UnsupportedLayerException($"layer {name} has no state");
            List<string> layerKeys = (module, name) switch
            {
                _ when IsMaterialized(state) => UnpackMaterialized(state, graph),
                ("dask.blockwise", "Blockwise") or ("dask.layers", "DataFrameIOLayer") => BlockwiseUnpacker.Unpack(state, graph),
                ("dask.layers", "DataFrameTreeReduction") => DataFrameLayers.TreeReduction(state, graph),
                ("dask.layers", "SimpleShuffleLayer") => DataFrameLayers.SimpleShuffle(state, graph),
                ("dask.layers", "ShuffleLayer") => DataFrameLayers.Shuffle(state, graph),
                ("dask.layers", "BroadcastJoinLayer") => DataFrameLayers.BroadcastJoin(state, graph),
                ("distributed.shuffle._shuffle", "P2PShuffleLayer") => throw new UnsupportedLayerException(
                    "This scheduler does not run the P2P shuffle service (P2PShuffleLayer): use shuffle=\"tasks\", " +
                    "e.g. df.shuffle(..., shuffle=\"tasks\") or dask.config.set(shuffle=\"tasks\")."),
                _ => throw new UnsupportedLayerException($"This scheduler cannot expand the graph layer {module}.{name}."),
            };
            UnpackAnnotations(graph, layer["annotations"] as MsgMap, layerKeys);
        }
        // Self-dependencies happen (publish_bag) and are dropped, as Dask does. A key depending on itself is a
        // future's alias (its "spec" is the pickled key): it must never become the task's run spec, which it would if
        // the graph defining the key arrives later (an RPC such as publish_put can overtake a stream's graph).
        foreach (var (k, deps) in graph.Dependencies)
            if (deps.Remove(k) && graph.Tasks.ContainsKey(k)) graph.Tasks[k] = null;
        return graph;
    }

    private static bool IsMaterialized(MsgMap state) =>
        state.Count == 2 && state.ContainsKey("dsk") && state.ContainsKey("dependencies");

    private static List<string> UnpackMaterialized(MsgMap state, UnpackedGraph graph)
    {
        var keys = new List<string>();
        if (state["dsk"] is MsgMap dsk)
        {
            // A client pickles a function once and sends the same bytes with every task that calls it: the tasks
            // share one copy, which they hold for as long as they live.
            var functions = new Dictionary<byte[], byte[]>(ByteContentComparer.Instance);
            foreach (var (k, spec) in dsk)
            {
                var key = TaskKeys.FromWire(k) ?? throw new UnsupportedLayerException($"a task key of type {k?.GetType().Name}");
                if (spec is MsgMap m && m["function"] is byte[] function)
                {
                    if (functions.TryGetValue(function, out var shared)) m.Set("function", shared);
                    else functions.Add(function, function);
                }
                graph.Tasks[key] = spec;
                keys.Add(key);
            }
        }
        if (state["dependencies"] is MsgMap deps)
        {
            foreach (var (k, v) in deps)
            {
                var key = TaskKeys.FromWire(k);
                if (key == null) continue;
                if (!graph.Dependencies.TryGetValue(key, out var set)) graph.Dependencies[key] = set = [];
                foreach (var d in MsgValues.SetItems(v))
                    if (TaskKeys.FromWire(d) is { } dk) set.Add(dk);
            }
        }
        return keys;
    }

    /// <summary>Layer.__dask_distributed_annotations_unpack__: earlier layers win for the same key.</summary>
    private static void UnpackAnnotations(UnpackedGraph graph, MsgMap? annotations, List<string> keys)
    {
        if (annotations == null) return;
        foreach (var (a, v) in annotations)
        {
            if (a is not string name) continue;
            var expanded = new Dictionary<string, object?>();
            if (v is MsgMap m && m.ContainsKey("__expanded_annotations__"))
            {
                foreach (var (k, val) in m)
                    if (k is not "__expanded_annotations__" && TaskKeys.FromWire(k) is { } key) expanded[key] = val;
            }
            else
            {
                foreach (var key in keys) expanded[key] = v;
            }
            if (graph.Annotations.TryGetValue(name, out var existing))
                foreach (var (k, val) in existing) expanded[k] = val;
            graph.Annotations[name] = expanded;
        }
    }
}
