using Scheduler.Core.Graph;
using Scheduler.Core.Protocol;

namespace Scheduler.Tests.Graph;

public class HlgUnpackerTests
{
    private static MsgMap Spec(byte[] function, byte[] args) => new MsgMap().Add("function", function).Add("args", args);

    [Fact]
    public void Tasks_of_a_materialized_layer_share_one_copy_of_identical_function_bytes()
    {
        // As decoded from the wire: every task carries its own array, even when the bytes are the same.
        byte[] Inc() => [0x80, 4, 0x95, 1, 2, 3];
        var dsk = new MsgMap()
            .Add("inc-1", Spec(Inc(), [1]))
            .Add("inc-2", Spec(Inc(), [2]))
            .Add("dec-1", Spec([0x80, 4, 0x95, 9, 9, 9], [3]));
        var deps = new MsgMap().Add("inc-1", MsgValues.ToSet([])).Add("inc-2", MsgValues.ToSet([])).Add("dec-1", MsgValues.ToSet([]));
        var layer = new MsgMap().Add("__module__", "dask.highlevelgraph").Add("__name__", "MaterializedLayer")
            .Add("state", new MsgMap().Add("dsk", dsk).Add("dependencies", deps)).Add("annotations", new MsgMap());

        var graph = HlgUnpacker.Unpack(new MsgMap().Add("layers", new object?[] { layer }));

        byte[] Function(string key) => (byte[])((MsgMap)graph.Tasks[key]!)["function"]!;
        Assert.Same(Function("inc-1"), Function("inc-2"));
        Assert.NotSame(Function("inc-1"), Function("dec-1"));
        Assert.Equal(Inc(), Function("inc-2"));
        Assert.Equal(new byte[] { 0x80, 4, 0x95, 9, 9, 9 }, Function("dec-1"));
        // Only the function is shared: each task keeps its own arguments.
        Assert.Equal(new byte[] { 2 }, (byte[])((MsgMap)graph.Tasks["inc-2"]!)["args"]!);
    }
}
