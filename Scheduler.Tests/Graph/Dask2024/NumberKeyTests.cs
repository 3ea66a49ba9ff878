using Scheduler.Core.Graph.Dask2024;
using Scheduler.Core.Pickle.Symbolic;
using Scheduler.Core.State;

namespace Scheduler.Tests.Graph.Dask2024;

/// <summary>
/// Dask 2024.12 keys may be ints and floats (<c>c.get({("x", 0): (inc, 1), 5: (inc, 2)}, 5)</c>): they round-trip
/// to the wire as numbers, key_split calls them "Other", and a number argument equal to such a key references it,
/// as dask's convert_legacy_task makes it an Alias.
/// </summary>
public class NumberKeyTests
{
    [Fact]
    public void Int_and_float_keys_go_back_to_the_wire_as_numbers()
    {
        var five = TaskKeys.FromWire(5L)!;
        var half = TaskKeys.FromWire(0.5)!;
        Assert.Equal(5L, TaskKeys.ToWire(five));
        Assert.Equal(0.5, TaskKeys.ToWire(half));
        Assert.Equal(double.PositiveInfinity, TaskKeys.ToWire(TaskKeys.FromWire(double.PositiveInfinity)!));
        Assert.NotEqual("5", five); // the str key "5" is another task
        Assert.Equal("Other", TaskKeys.KeySplit(five));
        Assert.Equal("Other", TaskKeys.KeySplitGroup(half));
        Assert.Equal("5", TaskKeys.Str(five));
    }

    private static byte[] Graph(params KeyValuePair<PickleNode, PickleNode>[] tasks)
    {
        var layer = PickleNode.NewObj(PickleNode.Global("dask.highlevelgraph", "MaterializedLayer"), PickleNode.Tuple())
            .AddState(PickleNode.Dict(PickleNode.Entry(PickleNode.Str("mapping"), PickleNode.Dict(tasks))));
        return SymbolicEmitter.EmitOnce(PickleNode.NewObj(PickleNode.Global("dask.highlevelgraph", "HighLevelGraph"), PickleNode.Tuple())
            .AddState(PickleNode.Dict(PickleNode.Entry(PickleNode.Str("layers"), PickleNode.Dict(PickleNode.Entry(PickleNode.Str("l"), layer)))))).Pickle;
    }

    [Fact]
    public void A_number_argument_equal_to_a_number_key_is_a_dependency()
    {
        var inc = PickleNode.Global("__main__", "inc");
        var graph = Graph2024Reader.Read(Graph(
            PickleNode.Entry(PickleNode.Int(5), PickleNode.Tuple(inc, PickleNode.Int(2))),
            PickleNode.Entry(PickleNode.Str("a"), PickleNode.Tuple(inc, PickleNode.Int(5))),
            PickleNode.Entry(PickleNode.Str("b"), PickleNode.Tuple(inc, PickleNode.Int(7)))), [], PickleBounds.Default);
        var five = TaskKeys.IntKey(5);
        Assert.Contains(five, graph.Tasks.Keys);
        Assert.Equal([five], graph.Dependencies["a"]);
        Assert.Empty(graph.Dependencies["b"]);
        Assert.Empty(graph.Dependencies[five]);
    }

    [Fact]
    public void Without_number_keys_number_arguments_are_data()
    {
        var inc = PickleNode.Global("__main__", "inc");
        var graph = Graph2024Reader.Read(Graph(
            PickleNode.Entry(PickleNode.Str("5"), PickleNode.Tuple(inc, PickleNode.Int(2))),
            PickleNode.Entry(PickleNode.Str("a"), PickleNode.Tuple(inc, PickleNode.Int(5)))), [], PickleBounds.Default);
        Assert.Empty(graph.Dependencies["a"]);
    }
}
