using System.Runtime.CompilerServices;
using Scheduler.Core.Config;
using Scheduler.Core.Graph;
using Scheduler.Core.Protocol;
using Scheduler.Core.State;
using Scheduler.Perf.Graphs;

namespace Scheduler.Perf.Matrix;

/// <summary>
/// The live bytes per task the scheduler state keeps for a graph taken in with no workers (so it is all held), in
/// this process: a full collection before, and one after the state took the graph and every slice of its first
/// transitions, with the message and its preparation dropped. Exact, where a heap dump of the running scheduler is
/// cut short at a million tasks; it leaves out the host (connections, history), which hold nothing per task.
/// </summary>
public static class StateMemory
{
    /// <param name="spec">A graph as scheduler-perf names them (merge-1000000).</param>
    public static (double BytesPerTask, SchedulerState State) Measure(string spec)
    {
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var state = Ingest(spec);
        long after = GC.GetTotalMemory(forceFullCollection: true);
        return ((after - before) / (double)state.Tasks.Count, state);
    }

    // Not inlined: the graph, its message and its preparation must not stay reachable from the caller's frame. The
    // graph is built here too: its key strings become the tasks' keys, which the scheduler would own.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static SchedulerState Ingest(string spec)
    {
        var message = GraphShapes.UpdateGraphMessage(GraphShapes.Parse(spec));
        var state = new SchedulerState(new SchedulerConfig(), new SchedulerIdentity("scheduler-perf", 0));
        double t = 1;
        state.Handle(new ClientConnected(1, "Client-held", new MsgMap()) { Time = t++ });
        var commands = state.Handle(new ClientStreamOp("Client-held", "update-graph-hlg", message)
        {
            Time = t++,
            Preparation = GraphPreparation.FromHlg(message),
        });
        while (commands.Any(c => c is ContinueLater)) commands = state.Handle(new ContinueGraph { Time = t });
        // The last turn's commands are the state's own reused list: one more turn empties it.
        state.Handle(new Tick { Time = t + 1 });
        return state;
    }
}
