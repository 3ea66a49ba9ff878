using BenchmarkDotNet.Attributes;
using Scheduler.Core.Config;
using Scheduler.Core.Graph;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;
using Scheduler.Core.Protocol.Dialects;
using Scheduler.Core.State;
using Scheduler.Perf.Graphs;

namespace Scheduler.Micro;

/// <summary>
/// A whole graph through the state machine alone, no sockets: update-graph-hlg on a state with 8 running
/// workers, then task-finished for every compute-task it asks for, until the wanted key is in memory.
/// Divide by the task count for the scheduler's own transition cost per task.
/// </summary>
[MemoryDiagnoser]
public class StateMachineBenchmarks
{
    private MsgMap _message = new();
    private GraphPreparation? _prepared;

    [Params("merge", "tree", "map")]
    public string Shape { get; set; } = "tree";

    [Params(10_000)]
    public int Tasks { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _message = GraphShapes.UpdateGraphMessage(GraphShapes.Build(Shape, Tasks));
        _prepared = GraphPreparation.FromHlg(_message);
    }

    [Benchmark(Description = "submit and finish every task")]
    public long Run()
    {
        var state = new SchedulerState(new SchedulerConfig(), new SchedulerIdentity("micro", 0));
        double t = 1;
        for (int w = 0; w < 8; w++)
        {
            var address = $"tcp://127.0.0.1:{40000 + w}";
            state.Handle(new WorkerConnected(w + 1, new MsgMap().Add("address", address).Add("name", address)
                .Add("nthreads", 1L).Add("nbytes", new MsgMap())) { Time = t++ });
            state.Handle(new WorkerStreamOp(address, "worker-status-change", new MsgMap().Add("status", "running")) { Time = t++ });
        }
        state.Handle(new ClientConnected(100, "Client-micro", new MsgMap()) { Time = t++ });
        var pending = new Queue<(string Worker, string Key)>();
        var first = state.Handle(new ClientStreamOp("Client-micro", "update-graph-hlg", _message) { Time = t++, Preparation = _prepared });
        // A graph over distributed.scheduler.graph-slice tasks goes in slices: the actor would post these turns itself.
        while (Collect(first, pending)) first = state.Handle(new ContinueGraph { Time = t });
        long finished = 0;
        while (pending.TryDequeue(out var next))
        {
            var msg = new MsgMap().Add("key", next.Key).Add("nbytes", 28L).Add("typename", "int").Add("metadata", new MsgMap())
                .Add("thread", 1L).Add("startstops", Array.Empty<object?>()).Add("status", "OK");
            Collect(state.Handle(new WorkerStreamOp(next.Worker, "task-finished", msg) { Time = t }), pending);
            t += 1e-5;
            finished++;
        }
        return finished;
    }

    /// <summary>Writes each op as the host does (these peers speak 2022.12) and queues the compute-tasks; true when the
    /// state asks for another turn of a sliced graph.</summary>
    private static bool Collect(IReadOnlyList<Command> commands, Queue<(string, string)> pending)
    {
        bool more = false;
        var writer = DaskDialect.Dask2022.Writer;
        foreach (var c in commands)
        {
            if (c is ToWorker tw)
            {
                writer.Write(tw.Message);
                if (tw.Message is ComputeTask task) pending.Enqueue((tw.Worker, task.Key));
            }
            else if (c is ToClient tc) writer.Write(tc.Message);
            else if (c is ContinueLater) more = true;
        }
        return more;
    }
}
