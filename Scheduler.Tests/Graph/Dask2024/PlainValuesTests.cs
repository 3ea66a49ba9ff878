using Scheduler.Core.Graph;
using Scheduler.Core.Graph.Dask2024;
using Scheduler.Core.Pickle.Symbolic;
using Scheduler.Core.Protocol;

namespace Scheduler.Tests.Graph.Dask2024;

public class PlainValuesTests
{
    private static Pickled Wrap(PickleNode node) => Pickled.FromPickle(SymbolicEmitter.EmitOnce(node).Pickle, []);

    [Fact]
    public void Reads_the_update_graph_annotations_and_span_metadata()
    {
        // {"retries": 2, "workers": {"a", "b"}, "x": (1.5, None, True)}, and [{"type": "Future"}]
        var annotations = PickleNode.Dict(
            new(PickleNode.Str("retries"), PickleNode.Int(2)),
            new(PickleNode.Str("workers"), PickleNode.Set(PickleNode.Str("a"), PickleNode.Str("b"))),
            new(PickleNode.Str("old"), PickleNode.Call(PickleNode.Global("builtins", "set"), PickleNode.List(PickleNode.Str("w")))),
            new(PickleNode.Str("x"), PickleNode.Tuple(PickleNode.Float(1.5), PickleNode.None(), PickleNode.Bool(true))));
        var map = Assert.IsType<MsgMap>(PlainValues.FromPickle(Wrap(annotations)));
        Assert.Equal(2L, map["retries"]);
        Assert.Equal(new object?[] { "a", "b" }, map["workers"]);
        Assert.Equal(new object?[] { "w" }, map["old"]);
        Assert.Equal(new object?[] { 1.5, null, true }, map["x"]);

        var spans = PlainValues.FromPickle(Wrap(PickleNode.List(PickleNode.Dict(PickleNode.Entry(PickleNode.Str("type"), PickleNode.Str("Future"))))));
        var list = Assert.IsType<object?[]>(spans);
        Assert.Equal("Future", Assert.IsType<MsgMap>(list[0])["type"]);
        Assert.Equal(Array.Empty<object?>(), PlainValues.FromPickle(Wrap(PickleNode.Tuple())));
    }

    [Fact]
    public void Refuses_callables_and_objects()
    {
        var e = Assert.Throws<PickleRefusedException>(() => PlainValues.FromPickle(Wrap(PickleNode.Dict(PickleNode.Entry(PickleNode.Str("priority"), PickleNode.Global("__main__", "f"))))));
        Assert.Contains("global __main__.f is not a plain value", e.Message);
        var cyc = PickleNode.List();
        var outer = PickleNode.Dict(PickleNode.Entry(PickleNode.Str("a"), cyc));
        Assert.Throws<PickleRefusedException>(() => PlainValues.FromPickle(Pickled.FromPickle(
            [0x80, 5, (byte)']', 0x94, (byte)'h', 0, (byte)'a', (byte)'.'], [])));
        Assert.NotNull(outer);
    }

    [Fact]
    public void A_callable_layer_annotation_needs_Python()
    {
        // a MaterializedLayer {"k": 1} with annotations={"priority": <function>}
        var layer = PickleNode.NewObj(PickleNode.Global("dask.highlevelgraph", "MaterializedLayer"), PickleNode.Tuple())
            .AddState(PickleNode.Dict(
                new(PickleNode.Str("annotations"), PickleNode.Dict(PickleNode.Entry(PickleNode.Str("priority"), PickleNode.Global("__main__", "prio")))),
                new(PickleNode.Str("mapping"), PickleNode.Dict(PickleNode.Entry(PickleNode.Str("k"), PickleNode.Int(1))))));
        var hlg = PickleNode.NewObj(PickleNode.Global("dask.highlevelgraph", "HighLevelGraph"), PickleNode.Tuple())
            .AddState(PickleNode.Dict(PickleNode.Entry(PickleNode.Str("layers"), PickleNode.Dict(PickleNode.Entry(PickleNode.Str("l"), layer)))));
        var e = Assert.Throws<UnsupportedLayerException>(() => Graph2024Reader.Read(SymbolicEmitter.EmitOnce(hlg).Pickle, [], PickleBounds.Default));
        Assert.Contains("callable annotation 'priority'", e.Message);
        Assert.Contains("needs Python", e.Message);
    }
}
