using Scheduler.Core.Config;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;
using Scheduler.Core.Protocol.Dialects;
using Scheduler.Core.State;
using TaskStatus = Scheduler.Core.State.TaskStatus;

namespace Scheduler.Core.Engine;

/// <summary>
/// Runs small sessions through throwaway <see cref="SchedulerState"/>s (and the codec), at startup before the host
/// listens, off the scheduler's thread: once, then in the host's rounds (Scheduler.Host's StartupWarmup), which bring
/// their hot methods to tier 1. A fresh process otherwise pays first-use costs (JIT of the paths not precompiled, type
/// initialisers, regexes) when a peer first takes a path: on its first worker loss or first error, measured at about
/// 15 ms, enough for a client in the same event loop as the lost worker to see the old state (Dask's test_failed_worker
/// of test_actor.py); and on a 2024.12 client's first submit, about 7 ms before its compute-task left
/// (<see cref="Warmup2024"/>). The real state is not touched; the warm-up's own outputs are discarded.
/// </summary>
public static class Warmup
{
    /// <summary>What the sessions went through (tests check that they reached the paths they are for).</summary>
    public sealed record Outcome(int Finished, bool ActorErred, int Finished2024, bool Gathered2024);

    public static Outcome Run()
    {
        var (finished, actorErred) = Session2022();
        var (finished2024, gathered2024) = Warmup2024.Run();
        return new Outcome(finished, actorErred, finished2024, gathered2024);
    }

    /// <summary>A 2022.12 session: futures, an error, an actor whose worker leaves.</summary>
    private static (int Finished, bool ActorErred) Session2022()
    {
        int finished = 0;
        bool actorErred = false;
        var session = new WarmupSession(DaskDialect.Dask2022);
        var state = session.State;
        IReadOnlyList<Command> Send(Stimulus s)
        {
            var commands = session.Send(s);
            foreach (var c in commands)
            {
                if (c is ToClient { Message: KeyInMemory }) finished++;
                if (c is ToClient { Message: KeyErred { Key: "actor-1" } }) actorErred = true;
            }
            return commands;
        }

        const string A = "tcp://127.0.0.1:1", B = "tcp://127.0.0.1:2", C = "Client-warmup";
        foreach (var (address, conn) in new[] { (A, 1L), (B, 2L) })
        {
            Send(new WorkerConnected(conn, WarmupSession.RegisterWorker(address)));
            Send(new WorkerStreamOp(address, "worker-status-change", new MsgMap().Add("op", "worker-status-change").Add("status", "running")));
        }
        Send(new ClientConnected(3, C, new MsgMap().Add("op", "register-client").Add("client", C)));
        var spec = new MsgMap().Add("function", new byte[] { 0x80, 4, 0x2e }).Add("args", new byte[] { 0x80, 4, 0x29, 0x2e });
        var dsk = new MsgMap().Add("actor-1", spec).Add("inc-1", spec).Add("inc-2", spec).Add("sum-1", spec);
        var deps = new MsgMap().Add("actor-1", MsgValues.ToSet([])).Add("inc-1", MsgValues.ToSet([])).Add("inc-2", MsgValues.ToSet([]))
            .Add("sum-1", MsgValues.ToSet(["inc-1", "inc-2"]));
        var layer = new MsgMap().Add("__module__", "dask.highlevelgraph").Add("__name__", "MaterializedLayer")
            .Add("state", new MsgMap().Add("dsk", dsk).Add("dependencies", deps)).Add("annotations", new MsgMap());
        Send(new ClientStreamOp(C, "update-graph-hlg", new MsgMap().Add("op", "update-graph-hlg")
            .Add("hlg", new MsgMap().Add("layers", new object?[] { layer })).Add("keys", new object?[] { "actor-1", "sum-1" })
            .Add("priority", null).Add("submitting_task", null).Add("fifo_timeout", "100 ms").Add("actors", new object?[] { "actor-1" })));
        for (int round = 0; round < 3; round++)
            foreach (var t in state.Tasks.Values.Where(t => t.Status == TaskStatus.Processing).ToList())
            {
                if (t.Status != TaskStatus.Processing || t.ProcessingOn == null) continue; // an earlier report moved it
                var worker = t.ProcessingOn.Address;
                var report = new MsgMap().Add("key", t.Key).Add("thread", 1L).Add("stimulus_id", "warmup-" + t.Key)
                    .Add("startstops", new object?[] { new MsgMap().Add("action", "compute").Add("start", session.Now).Add("stop", session.Now + 0.001) });
                if (t.Key == "inc-2")
                    Send(new WorkerStreamOp(worker, "task-erred", report.Add("op", "task-erred").Add("exception", new byte[] { 1 })
                        .Add("traceback", null).Add("exception_text", "Exception()").Add("traceback_text", "").Add("status", "error")));
                else
                    Send(new WorkerStreamOp(worker, "task-finished", report.Add("op", "task-finished").Add("nbytes", 28L)
                        .Add("type", new byte[] { 1 }).Add("typename", "int").Add("metadata", new MsgMap()).Add("status", "OK")));
            }
        Send(new RpcRequest(4, "identity", new MsgMap().Add("op", "identity")));
        Send(new RpcRequest(5, "who_has", new MsgMap().Add("op", "who_has").Add("keys", null)));
        Send(new ClientStreamOp(C, "heartbeat-client", new MsgMap().Add("op", "heartbeat-client")));
        // The worker holding the actor leaves: the actor's future errs (the path a cold process is slowest on).
        var holder = state.Tasks.TryGetValue("actor-1", out var actor) ? actor.WhoHas.FirstOrDefault()?.Address ?? A : A;
        Send(new WorkerStreamOp(holder, "worker-status-change", new MsgMap().Add("op", "worker-status-change").Add("status", "closing")));
        Send(new WorkerDisconnected(holder == A ? 1 : 2, holder));
        Send(new ClientStreamOp(C, "client-releases-keys", new MsgMap().Add("op", "client-releases-keys")
            .Add("keys", new object?[] { "actor-1", "sum-1" }).Add("client", C)));
        Send(new Tick());

        Send(new ClientDisconnected(3, C));
        return (finished, actorErred);
    }
}
