using Scheduler.Core.Config;
using Scheduler.Core.Protocol;
using Scheduler.Core.State;

namespace Scheduler.Tests.State;

/// <summary>
/// A big graph's first transitions are carried out in slices (distributed.scheduler.graph-slice), with other stimuli
/// between them. The harness validates every invariant after every stimulus, so each in-between state is checked too.
/// </summary>
public class GraphSliceTests
{
    /// <summary>A layered graph: <paramref name="roots"/> roots, then pairs combined until one key is left.</summary>
    private static List<(string Key, string[] Deps)> Tree(int roots)
    {
        var tasks = new List<(string, string[])>();
        var level = Enumerable.Range(0, roots).Select(i => $"('leaf', {i})").ToList();
        tasks.AddRange(level.Select(k => (k, Array.Empty<string>())));
        for (int d = 1; level.Count > 1; d++)
        {
            var next = new List<string>();
            for (int i = 0; i < level.Count; i += 2)
            {
                var k = $"('sum-{d}', {i / 2})";
                tasks.Add((k, level.Skip(i).Take(2).ToArray()));
                next.Add(k);
            }
            level = next;
        }
        return tasks;
    }

    private static bool AsksToContinue(IEnumerable<Command> cmds) => cmds.OfType<ContinueLater>().Any();

    /// <summary>Sends ContinueGraph while the state asks for it; returns every command of those turns.</summary>
    private static List<Command> Continue(Harness h, IReadOnlyList<Command> last)
    {
        var all = new List<Command>();
        while (AsksToContinue(last))
        {
            Assert.Single(last.OfType<ContinueLater>());
            last = h.Send(new ContinueGraph());
            all.AddRange(last);
        }
        return all;
    }

    /// <summary>
    /// Client "c" submits <paramref name="count"/> independent tasks, all wanted, with slices of 10 and no worker:
    /// the first slice goes in with the update-graph and the state asks for another turn.
    /// </summary>
    private static (Harness H, string[] Keys, IReadOnlyList<Command> First) SubmitIndependent(string name, int count)
    {
        var h = new Harness(new SchedulerConfig { GraphSlice = 10 });
        h.AddClient("c");
        var keys = Enumerable.Range(0, count).Select(i => $"('{name}', {i})").ToArray();
        var first = h.Submit("c", keys.Select(k => (k, Array.Empty<string>())), keys);
        Assert.True(AsksToContinue(first));
        return (h, keys, first);
    }

    /// <summary>Submits the tree and finishes every task a worker is given, continuing the graph whenever asked.</summary>
    private static List<string> RunToEnd(int slice, int roots)
    {
        var h = new Harness(new SchedulerConfig { GraphSlice = slice });
        h.AddWorker("tcp://w1:1");
        h.AddWorker("tcp://w2:1");
        h.AddClient("c");
        var tasks = Tree(roots);
        var first = h.Submit("c", tasks, [tasks[^1].Key]).ToList();
        first.AddRange(Continue(h, first));
        var pending = new Queue<(string Worker, string Key)>(Harness.ComputeTasks(first).Select(c => (c.Worker, TaskKeys.FromWire(c.Msg["key"])!)));
        var dispatched = new List<string>();
        while (pending.TryDequeue(out var next))
        {
            dispatched.Add(next.Worker + " " + next.Key);
            var cmds = h.Finish(next.Worker, next.Key).ToList();
            cmds.AddRange(Continue(h, cmds));
            foreach (var (w, m) in Harness.ComputeTasks(cmds)) pending.Enqueue((w, TaskKeys.FromWire(m["key"])!));
        }
        Assert.Equal(TaskStatus.Memory, h.StatusOf(tasks[^1].Key));
        Assert.Equal(0, h.State.PendingGraphSlices);
        return dispatched;
    }

    [Fact]
    public void A_graph_in_slices_is_dispatched_exactly_as_in_one_go()
    {
        var whole = RunToEnd(slice: 0, roots: 64);
        var sliced = RunToEnd(slice: 5, roots: 64);
        Assert.Equal(127, whole.Count);
        Assert.Equal(whole, sliced);
    }

    [Fact]
    public void A_graph_under_the_slice_size_goes_in_one_turn()
    {
        var h = new Harness(new SchedulerConfig { GraphSlice = 200 });
        h.AddClient("c");
        var tasks = Tree(64);
        Assert.False(AsksToContinue(h.Submit("c", tasks, [tasks[^1].Key])));
        Assert.Equal(0, h.State.PendingGraphSlices);
        Assert.DoesNotContain(h.State.Tasks.Values, ts => ts.Status == TaskStatus.Released);
    }

    [Fact]
    public void Other_stimuli_are_handled_between_slices_and_a_joining_worker_gets_the_most_urgent_tasks()
    {
        var (h, _, first) = SubmitIndependent("x", 100);
        Assert.Equal(1, h.State.PendingGraphSlices);
        // One slice went in: ten tasks wait for a worker, the other ninety are still released.
        Assert.Equal(90, h.State.Tasks.Values.Count(ts => ts.Status == TaskStatus.Released));

        // A request between slices is answered at once.
        var (id, who) = h.Rpc("who_has", new MsgMap().Add("keys", new object?[] { "('x', 0)" }));
        Assert.Contains(who.OfType<Reply>(), r => r.ReplyId == id);

        // A worker joining between slices is given the most urgent task (dask.order runs x-0 first).
        var joined = h.AddWorker("tcp://w1:1");
        var given = Harness.ComputeTasks(joined).Select(c => TaskKeys.FromWire(c.Msg["key"])!).ToList();
        Assert.Equal("('x', 0)", given[0]);

        Continue(h, first);
        Assert.Equal(0, h.State.PendingGraphSlices);
        Assert.DoesNotContain(h.State.Tasks.Values, ts => ts.Status == TaskStatus.Released);
    }

    [Fact]
    public void Keys_released_between_slices_are_not_made_runnable_afterwards()
    {
        var (h, keys, first) = SubmitIndependent("y", 50);
        h.Send(new ClientStreamOp("c", "client-releases-keys",
            new MsgMap().Add("op", "client-releases-keys").Add("keys", keys.ToArray<object?>()).Add("client", "c")));
        Assert.Empty(h.State.Tasks);

        var rest = Continue(h, first);
        Assert.Empty(h.State.Tasks);
        Assert.Equal(0, h.State.PendingGraphSlices);
        Assert.Empty(Harness.ComputeTasks(rest));
        // Nothing is reported for keys that are gone.
        Assert.DoesNotContain(rest.OfType<ToClient>(), c => Harness.Wire(c)!["op"] as string is "key-in-memory" or "task-erred");
    }
}
