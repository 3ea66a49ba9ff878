using Scheduler.Core.Graph.Dask2024;
using Scheduler.Core.Pickle.Symbolic;

namespace Scheduler.Tests.Graph.Dask2024;

/// <summary>
/// How layers come out of a pickled HighLevelGraph: each layer object once (dask's ensure_dict), and a layer's mapping
/// and annotations read from its state, the last BUILD winning.
/// </summary>
public class LayerReadingTests
{
    private static PickleNode Layer(string key, PickleNode? annotations, params KeyValuePair<PickleNode, PickleNode>[] extraState)
    {
        var state = new List<KeyValuePair<PickleNode, PickleNode>>();
        if (annotations != null) state.Add(new(PickleNode.Str("annotations"), annotations));
        state.Add(new(PickleNode.Str("mapping"), PickleNode.Dict(PickleNode.Entry(PickleNode.Str(key), PickleNode.Int(1)))));
        state.AddRange(extraState);
        return PickleNode.NewObj(PickleNode.Global("dask.highlevelgraph", "MaterializedLayer"), PickleNode.Tuple()).AddState(PickleNode.Dict([.. state]));
    }

    private static byte[] Hlg(params (string Name, PickleNode Layer)[] layers) =>
        SymbolicEmitter.EmitOnce(PickleNode.NewObj(PickleNode.Global("dask.highlevelgraph", "HighLevelGraph"), PickleNode.Tuple())
            .AddState(PickleNode.Dict(PickleNode.Entry(PickleNode.Str("layers"),
                PickleNode.Dict([.. layers.Select(l => PickleNode.Entry(PickleNode.Str(l.Name), l.Layer))]))))).Pickle;

    [Fact]
    public void A_layer_object_under_two_names_is_one_layer_and_two_equal_objects_are_two()
    {
        var shared = Layer("a", null);
        // Written twice by the emitter, so read back the second is a memo GET of the first: the same node.
        var layers = Graph2024Reader.Layers(SymbolicReader.Read(Hlg(("x", shared), ("y", shared), ("z", Layer("a", null)))));
        Assert.Equal(["x", "z"], layers.Select(l => l.Name.AsString));
    }

    [Fact]
    public void Annotations_and_mapping_come_from_the_last_state_that_sets_them()
    {
        var retries1 = PickleNode.Dict(PickleNode.Entry(PickleNode.Str("retries"), PickleNode.Int(1)));
        var layer = Layer("a", retries1);
        // A later BUILD sets annotations again (and nothing else): its value wins, the mapping stays the first one's.
        layer.AddState(PickleNode.Dict(PickleNode.Entry(PickleNode.Str("annotations"),
            PickleNode.Dict(PickleNode.Entry(PickleNode.Str("retries"), PickleNode.Int(3))))));
        var graph = Graph2024Reader.Read(Hlg(("l", layer), ("m", Layer("b", PickleNode.None()))), [], PickleBounds.Default);
        Assert.Equal(["a", "b"], graph.Tasks.Keys.Order());
        Assert.Equal(3L, graph.Annotations["retries"]["a"]);
        Assert.False(graph.Annotations["retries"].ContainsKey("b"));
    }
}
