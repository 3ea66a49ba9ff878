using Scheduler.Core.Graph;
using Scheduler.Core.Protocol;
using Scheduler.Core.State;
using static Scheduler.Tests.State.Harness;

namespace Scheduler.Tests.State;

/// <summary>update-graph-hlg on the positioned graph: pruning, linking, priorities, and the host's preparation.</summary>
public class UpdateGraphTests
{
    private const string W1 = "tcp://127.0.0.1:1001", C = "Client-1";

    [Fact]
    public void Results_already_in_memory_are_not_recomputed_and_what_only_they_needed_is_dropped()
    {
        var h = new Harness();
        h.AddWorker(W1);
        h.AddClient(C);
        h.Submit(C, [("a", []), ("b", ["a"])], ["b"]);
        h.Finish(W1, "a");
        h.Finish(W1, "b");
        Assert.Equal(TaskStatus.Memory, h.StatusOf("b"));
        var aBefore = h.StatusOf("a");
        Assert.NotEqual(TaskStatus.Memory, aBefore);

        // The client resubmits the whole graph and one more task on top: only c runs, a is not recreated.
        var cmds = h.Submit(C, [("a", []), ("b", ["a"]), ("c", ["b"])], ["c"]);
        var (_, msg) = Assert.Single(ComputeTasks(cmds));
        Assert.Equal("c", msg["key"]);
        Assert.Equal(aBefore, h.StatusOf("a"));
        Assert.Equal(["b"], h.State.Tasks["c"].Dependencies.Select(t => t.Key));
    }

    [Fact]
    public void Tasks_on_lost_data_are_cancelled_with_everything_depending_on_them()
    {
        var h = new Harness();
        h.AddWorker(W1);
        h.AddClient(C);
        // "gone" is neither in the graph nor known to the scheduler (its data was lost after the client built this).
        var cmds = h.Submit(C, [("x", ["gone"]), ("y", ["x"]), ("z", [])], ["y", "z"]);
        var cancelled = ToClient(cmds, C, "cancelled-key").Select(m => TaskKeys.FromWire(m["key"])!).Order().ToArray();
        Assert.Equal(["x", "y"], cancelled);
        Assert.Equal("z", Assert.Single(ComputeTasks(cmds)).Msg["key"]);
        Assert.False(h.State.Tasks.ContainsKey("x"));
        Assert.False(h.State.Tasks.ContainsKey("y"));
    }

    [Fact]
    public void A_graph_without_priorities_gets_dask_order_positions()
    {
        var h = new Harness();
        h.AddClient(C); // no worker: every task stays where the priorities are visible
        (string, string[])[] graph =
            [("a-1", []), ("a-2", []), ("b-1", ["a-1", "a-2"]), ("c-1", []), ("d-1", ["b-1", "c-1"])];
        h.Submit(C, graph, ["d-1"]);
        var expected = GraphOrder.Order(graph.ToDictionary(t => t.Item1, _ => (object?)null),
            graph.ToDictionary(t => t.Item1, t => t.Item2.ToHashSet()));
        foreach (var (key, position) in expected)
        {
            var p = h.State.Tasks[key].Priority!.Value;
            Assert.Equal(3, p.Length);
            Assert.Equal(position, p[2]);
        }
    }

    [Fact]
    public void The_host_prepared_graph_and_the_state_prepared_graph_give_the_same_tasks()
    {
        // The host expands and orders on the connection; a stimulus without that preparation must end the same.
        var states = new List<SchedulerState>();
        foreach (bool prepareOutside in new[] { false, true })
        {
            var h = new Harness();
            h.AddWorker(W1);
            h.AddClient(C);
            var dsk = new MsgMap();
            var deps = new MsgMap();
            for (int i = 0; i < 50; i++)
            {
                dsk.Add($"('t', {i})", Spec());
                deps.Add($"('t', {i})", MsgValues.ToSet(i == 0 ? [] : [$"('t', {i / 2})"]));
            }
            var layer = new MsgMap().Add("__module__", "dask.highlevelgraph").Add("__name__", "MaterializedLayer")
                .Add("state", new MsgMap().Add("dsk", dsk).Add("dependencies", deps)).Add("annotations", new MsgMap());
            var msg = new MsgMap().Add("op", "update-graph-hlg").Add("hlg", new MsgMap().Add("layers", new object?[] { layer }))
                .Add("keys", Enumerable.Range(25, 25).Select(i => (object?)$"('t', {i})").ToArray()).Add("priority", null)
                .Add("fifo_timeout", "100 ms").Add("actors", false);
            h.Send(new ClientStreamOp(C, "update-graph-hlg", msg) { Preparation = prepareOutside ? GraphPreparation.FromHlg(msg) : null });
            states.Add(h.State);
        }
        var (a, b) = (states[0], states[1]);
        Assert.Equal(a.Tasks.Keys.Order(), b.Tasks.Keys.Order());
        foreach (var (k, ts) in a.Tasks)
        {
            Assert.Equal(ts.Status, b.Tasks[k].Status);
            Assert.Equal(ts.Priority, b.Tasks[k].Priority);
            Assert.Equal(ts.Dependencies.Select(t => t.Key).Order(), b.Tasks[k].Dependencies.Select(t => t.Key).Order());
        }
    }

    [Fact]
    public void A_prepared_graph_positions_keys_and_names_outside_dependencies()
    {
        var g = new UnpackedGraph();
        g.Tasks["('x', 0)"] = "spec-x";
        g.Tasks["y"] = "spec-y";
        g.Dependencies["('x', 0)"] = ["('x', 0)", "held-by-client"]; // a self-dependency is dropped, as Dask does
        g.Dependencies["y"] = ["('x', 0)"];
        g.Dependencies["only-deps"] = ["y"]; // legacy update-graph may name keys it sends no task for
        var p = PreparedGraph.From(g, order: true);
        Assert.Equal(["('x', 0)", "y", "only-deps"], p.Keys);
        Assert.Equal(2, p.TaskCount);
        Assert.Equal(["held-by-client"], p.DependenciesOf(0).ToArray().Select(p.KeyOf));
        Assert.Equal(["('x', 0)"], p.DependenciesOf(1).ToArray().Select(p.KeyOf));
        Assert.Equal("x", p.GroupNames[p.Group[0]]);
        Assert.Equal([0L, 1L], p.Order!);
        // Ordering a subset (what the legacy op does after pruning) leaves the rest unordered.
        Assert.Equal([-1L, 0L], p.OrderTasks(i => i == 1));
    }
}
