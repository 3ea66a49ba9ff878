using Scheduler.Core.Config;
using Scheduler.Core.Graph;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;
using Scheduler.Core.Protocol.Dialects;
using Scheduler.Core.Protocol.Writing;
using Scheduler.Core.State;

/// <summary>
/// A graph run to the end through the state alone: every compute-task answered by a task-finished, and every op the
/// state sends written as the host writes it before enqueueing (per task: compute-task, free-keys, key-in-memory).
/// What one task costs the actor thread from dispatch to release, beyond building the graph.
/// </summary>
static class RunToEnd
{
    private static readonly MessageWriter Writer = DaskDialect.Dask2022.Writer;

    public static long Run(MsgMap msg, GraphPreparation? prepared)
    {
        var state = new SchedulerState(new SchedulerConfig(), new SchedulerIdentity("bench", 0));
        double t = 1;
        for (int w = 0; w < 8; w++)
        {
            var address = $"tcp://127.0.0.1:{40000 + w}";
            state.Handle(new WorkerConnected(w + 1, new MsgMap().Add("address", address).Add("name", address)
                .Add("nthreads", 1L).Add("nbytes", new MsgMap())) { Time = t++ });
            state.Handle(new WorkerStreamOp(address, "worker-status-change", new MsgMap().Add("status", "running")) { Time = t++ });
        }
        state.Handle(new ClientConnected(100, "Client-bench", new MsgMap()) { Time = t++ });
        var pending = new Queue<(string Worker, string Key)>();
        var first = state.Handle(new ClientStreamOp("Client-bench", "update-graph-hlg", msg) { Time = t++, Preparation = prepared });
        while (Collect(first, pending)) first = state.Handle(new ContinueGraph { Time = t });
        long written = 0;
        while (pending.TryDequeue(out var next))
        {
            var finished = new MsgMap().Add("key", next.Key).Add("nbytes", 28L).Add("typename", "int").Add("metadata", new MsgMap())
                .Add("thread", 1L).Add("startstops", Array.Empty<object?>()).Add("status", "OK");
            Collect(state.Handle(new WorkerStreamOp(next.Worker, "task-finished", finished) { Time = t }), pending);
            t += 1e-5;
            written++;
        }
        return written;
    }

    /// <summary>Queues the compute-tasks; true when the state asks for another turn of a sliced graph.</summary>
    private static bool Collect(IReadOnlyList<Command> commands, Queue<(string, string)> pending)
    {
        bool more = false;
        foreach (var c in commands)
        {
            switch (c)
            {
                // Written as the host writes them, for 2022.12 peers (these workers and this client are).
                case ToWorker tw:
                    Writer.Write(tw.Message);
                    if (tw.Message is ComputeTask task) pending.Enqueue((tw.Worker, task.Key));
                    break;
                case ToClient tc:
                    Writer.Write(tc.Message);
                    break;
                case ContinueLater: more = true; break;
            }
        }
        return more;
    }
}
