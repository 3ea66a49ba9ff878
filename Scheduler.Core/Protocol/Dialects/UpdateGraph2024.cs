using Scheduler.Core.Graph;
using Scheduler.Core.Graph.Dask2024;
using Scheduler.Core.Pickle.Symbolic;
using Scheduler.Core.State;

namespace Scheduler.Core.Protocol.Dialects;

/// <summary>
/// A 2024.12 client's update-graph: the graph is a pickled <c>ToPickle(HighLevelGraph)</c> in
/// <c>graph_header</c>/<c>graph_frames</c>, the annotations, code and span metadata are pickled too, and priorities
/// come as <c>internal_priority</c> (null for collections: the scheduler orders the graph). Bound here into the
/// fields the state reads for every dialect's graph (keys, priority, submitting_task, actors, fifo_timeout).
/// </summary>
public static class UpdateGraph2024
{
    /// <summary>Bounds on what one graph's pickle may hold (its size, nodes and nesting).</summary>
    public static PickleBounds Bounds { get; set; } = new();

    public static (MsgMap Normalized, GraphPreparation Preparation) Bind(MsgMap msg)
    {
        var normalized = new MsgMap(8)
            .Add("keys", msg["keys"])
            .Add("priority", msg["internal_priority"] as MsgMap)
            .Add("submitting_task", msg["submitting_task"])
            .Add("actors", msg["actors"])
            .Add("fifo_timeout", msg["fifo_timeout"])
            .Add("stimulus_id", msg["stimulus_id"]);
        return (normalized, Prepare(msg));
    }

    private static GraphPreparation Prepare(MsgMap msg)
    {
        UnpackedGraph graph;
        try
        {
            if (msg["graph_frames"] is not object?[] { Length: > 0 } frames || frames[0] is not byte[] pickle)
                throw new UnsupportedLayerException("update-graph without graph_frames");
            var buffers = new byte[frames.Length - 1][];
            for (int i = 1; i < frames.Length; i++)
                buffers[i - 1] = frames[i] as byte[] ?? throw new UnsupportedLayerException($"graph frame {i} is not bytes");
            graph = Graph2024Reader.Read(pickle, buffers, Bounds);
            if (msg["annotations"] is Pickled p) ApplyGlobalAnnotations(graph, PlainValues.FromPickle(p, Bounds));
        }
        catch (UnsupportedLayerException e)
        {
            return GraphPreparation.Refused(e.Message);
        }
        catch (PickleRefusedException e)
        {
            return GraphPreparation.Refused("This scheduler cannot read the graph's pickle: " + e.Message);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return GraphPreparation.Refused($"This scheduler could not read the graph: {e.GetType().Name}: {e.Message}", e);
        }
        // Collections come without priorities: the graph is ordered as the 2024.12 scheduler orders it.
        return GraphPreparation.Prepare(graph, order: msg["internal_priority"] is not MsgMap, order2024: true);
    }

    /// <summary>
    /// Annotations given to the whole computation (<c>submit(..., retries=2)</c>, <c>compute(workers=...)</c>): every
    /// task of the graph gets them, and a layer's own annotations win, as Dask's <c>_materialize_graph</c> applies them.
    /// </summary>
    private static void ApplyGlobalAnnotations(UnpackedGraph graph, object? annotations)
    {
        if (annotations is not MsgMap global) return;
        foreach (var (name, value) in global)
        {
            if (name is not string a) continue;
            if (!graph.Annotations.TryGetValue(a, out var perKey)) graph.Annotations[a] = perKey = [];
            foreach (var key in graph.Tasks.Keys) perKey.TryAdd(key, value);
        }
    }
}
