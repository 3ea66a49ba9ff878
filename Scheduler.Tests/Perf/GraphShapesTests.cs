using Scheduler.Perf.Graphs;

namespace Scheduler.Tests.Perf;

public sealed class GraphShapesTests
{
    [Theory]
    [InlineData("merge", 1000)]
    [InlineData("tree", 1023)]
    [InlineData("chain", 500)]
    [InlineData("fan", 400)]
    [InlineData("map", 300)]
    [InlineData("random", 2000)]
    public void Shapes_have_the_size_asked_for_and_only_known_dependencies(string shape, int n)
    {
        var g = GraphShapes.Build(shape, n);
        Assert.Equal(n, g.Count);
        var keys = new HashSet<string>();
        foreach (var t in g.Tasks)
        {
            // Topological order, as a client sends it: dependencies come first.
            Assert.All(t.Dependencies, d => Assert.Contains(d, keys));
            Assert.True(keys.Add(t.Key), $"duplicate key {t.Key}");
        }
        Assert.All(g.Wanted, k => Assert.Contains(k, keys));
    }

    [Fact]
    public void Merge_is_one_sum_over_every_part()
    {
        var g = GraphShapes.Merge(101);
        Assert.Equal(["merge-total"], g.Wanted);
        Assert.Equal(100, g.Tasks[^1].Dependencies.Length);
        Assert.All(g.Tasks.Take(100), t => Assert.Empty(t.Dependencies));
    }

    [Theory]
    [InlineData("merge")]
    [InlineData("tree")]
    [InlineData("chain")]
    [InlineData("fan")]
    [InlineData("map")]
    [InlineData("random")]
    public void Every_task_is_needed_by_a_wanted_key(string shape)
    {
        // A scheduler runs only what the wanted keys need: a task nobody needs would never reach a worker.
        var g = GraphShapes.Build(shape, 777);
        var deps = g.Tasks.ToDictionary(t => t.Key, t => t.Dependencies);
        var seen = new HashSet<string>(g.Wanted);
        var stack = new Stack<string>(g.Wanted);
        while (stack.Count > 0)
            foreach (var d in deps[stack.Pop()])
                if (seen.Add(d)) stack.Push(d);
        Assert.Equal(g.Count, seen.Count);
    }

    [Fact]
    public void The_message_is_a_materialized_layer_a_client_would_send()
    {
        var msg = GraphShapes.UpdateGraphMessage(GraphShapes.Chain(3));
        Assert.Equal("update-graph-hlg", msg["op"]);
        Assert.Null(msg["priority"]);
        var layer = (Scheduler.Core.Protocol.MsgMap)((object?[])((Scheduler.Core.Protocol.MsgMap)msg["hlg"]!)["layers"]!)[0]!;
        Assert.Equal("MaterializedLayer", layer["__name__"]);
        var state = (Scheduler.Core.Protocol.MsgMap)layer["state"]!;
        Assert.Equal(3, ((Scheduler.Core.Protocol.MsgMap)state["dsk"]!).Count);
        // The graph goes through the scheduler's own unpacker without complaint.
        var unpacked = Scheduler.Core.Graph.HlgUnpacker.Unpack((Scheduler.Core.Protocol.MsgMap)msg["hlg"]!);
        Assert.Equal(3, unpacked.Tasks.Count);
    }
}
