using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Pickle.Symbolic;
using Scheduler.Core.Protocol;
using Scheduler.Core.Protocol.Dialects;
using Scheduler.Core.State;
using TaskStatus = Scheduler.Core.State.TaskStatus;

namespace Scheduler.Core.Engine;

/// <summary>
/// <see cref="Warmup"/>'s 2024.12 session: a client's <c>submit(inc, 1).result()</c> in the form its connection reads
/// it. The pickled graph goes through the binder (symbolic read, tasks, preparation), the state links and dispatches
/// it, the worker's task-finished is bound, and the gather is answered; every message in the 2024.12 dialect. Measured
/// on a fresh process (tcpdump of bench.py's latency workload): without it, the first submit's compute-task left
/// 7.4 ms after its update-graph arrived, against 0.4–0.6 ms for the next ones.
/// </summary>
internal static class Warmup2024
{
    private const string A = "tcp://127.0.0.1:1", B = "tcp://127.0.0.1:2", C = "Client-warmup-2024";

    public static (int Finished, bool Gathered) Run()
    {
        var session = new WarmupSession(DaskDialect.Dask2024);
        var binder = session.Dialect.Binder;
        int finished = 0;
        bool gathered = false;
        foreach (var (address, conn) in new[] { (A, 1L), (B, 2L) })
        {
            session.Send(new WorkerConnected(conn, binder.BindRegisterWorker(WarmupSession.RegisterWorker(address))) { Dialect = session.Dialect });
            session.Send(new WorkerStreamOp(address, "worker-status-change",
                binder.BindWorkerOp("worker-status-change", new MsgMap().Add("op", "worker-status-change").Add("status", "running"))));
        }
        session.Send(new ClientConnected(3, C, binder.BindRegisterClient(new MsgMap().Add("op", "register-client").Add("client", C)))
        {
            Dialect = session.Dialect,
        });

        const string key = "inc-warmup-2024";
        // The update-graph as the client's stream carries it, read back from its frames first.
        var update = session.RoundTrip(new MsgMap().Add("op", "update-graph")
            .Add("graph_header", new MsgMap().Add("serializer", "pickle")).Add("graph_frames", new object?[] { SubmitGraph(key) })
            .Add("keys", new object?[] { key }).Add("internal_priority", null).Add("submitting_task", null)
            .Add("fifo_timeout", "100 ms").Add("actors", false).Add("annotations", null).Add("span_metadata", new MsgMap())
            .Add("stimulus_id", "update-graph-warmup")) as MsgMap ?? throw new InvalidOperationException("the update-graph did not read back");
        var runIds = new Dictionary<string, long>(StringComparer.Ordinal);
        void Collect(IReadOnlyList<Command> commands)
        {
            foreach (var c in commands)
            {
                if (c is ToWorker { Message: ComputeTask ct }) runIds[ct.Key] = ct.RunId;
                if (c is ToClient { Message: KeyInMemory }) finished++;
            }
        }
        foreach (var stimulus in binder.BindClientOp(C, "update-graph", update)) Collect(session.Send(stimulus));
        foreach (var t in session.State.Tasks.Values.Where(t => t.Status == TaskStatus.Processing).ToList())
        {
            if (t.ProcessingOn == null || !runIds.TryGetValue(t.Key, out var runId)) continue;
            var report = new MsgMap().Add("op", "task-finished").Add("key", t.Key).Add("run_id", runId).Add("nbytes", 28L)
                .Add("type", new byte[] { 1 }).Add("typename", "int").Add("metadata", new MsgMap()).Add("thread", 1L)
                .Add("startstops", new object?[] { new MsgMap().Add("action", "compute").Add("start", session.Now).Add("stop", session.Now + 0.001) })
                .Add("status", "OK").Add("stimulus_id", "task-finished-warmup");
            var read = session.RoundTrip(new object?[] { report }) is object?[] { Length: 1 } batch ? batch[0] as MsgMap : null;
            Collect(session.Send(new WorkerStreamOp(t.ProcessingOn.Address, "task-finished", binder.BindWorkerOp("task-finished", read ?? report))));
        }
        // The result: the client's gather RPC, the scheduler's get_data (done by the host), and its answer.
        foreach (var c in session.Send(new RpcRequest(4, "gather", binder.BindRpc("gather", new MsgMap().Add("op", "gather").Add("keys", new object?[] { key })))).ToList())
        {
            if (c is not FetchData fetch) continue;
            var data = new MsgMap();
            foreach (var k in fetch.WhoHas.Keys) data.Add(TaskKeys.ToWire(k), new byte[] { 0x80, 5, 0x4b, 2, 0x2e });
            gathered = session.Send(new DataFetched(fetch.ReplyId, data, new Dictionary<string, List<string>>(), [])).OfType<Reply>().Any();
        }
        session.Send(new ClientStreamOp(C, "client-releases-keys", binder.BindClientMessage("client-releases-keys",
            new MsgMap().Add("op", "client-releases-keys").Add("keys", new object?[] { key }).Add("client", C))));
        session.Send(new Tick());
        session.Send(new ClientDisconnected(3, C));
        return (finished, gathered);
    }

    /// <summary>
    /// A HighLevelGraph of one MaterializedLayer holding one <c>dask._task_spec.Task</c>, pickled as the client pickles
    /// it: NEWOBJ, then BUILD((None, slots)).
    /// </summary>
    private static byte[] SubmitGraph(string key)
    {
        var slots = PickleNode.Dict(
            PickleNode.Entry(PickleNode.Str("key"), PickleNode.Str(key)),
            PickleNode.Entry(PickleNode.Str("_dependencies"), PickleNode.FrozenSet()),
            PickleNode.Entry(PickleNode.Str("func"), PickleNode.Global("operator", "add")),
            PickleNode.Entry(PickleNode.Str("args"), PickleNode.Tuple(PickleNode.Int(1), PickleNode.Int(1))),
            PickleNode.Entry(PickleNode.Str("kwargs"), PickleNode.Dict()),
            PickleNode.Entry(PickleNode.Str("_token"), PickleNode.None()),
            PickleNode.Entry(PickleNode.Str("_is_coro"), PickleNode.Bool(false)),
            PickleNode.Entry(PickleNode.Str("_repr"), PickleNode.None()));
        var task = PickleNode.NewObj(PickleNode.Global("dask._task_spec", "Task"), PickleNode.Tuple())
            .AddState(PickleNode.Tuple(PickleNode.None(), slots));
        var layer = PickleNode.NewObj(PickleNode.Global("dask.highlevelgraph", "MaterializedLayer"), PickleNode.Tuple())
            .AddState(PickleNode.Dict(
                PickleNode.Entry(PickleNode.Str("annotations"), PickleNode.None()),
                PickleNode.Entry(PickleNode.Str("mapping"), PickleNode.Dict(PickleNode.Entry(PickleNode.Str(key), task)))));
        var hlg = PickleNode.NewObj(PickleNode.Global("dask.highlevelgraph", "HighLevelGraph"), PickleNode.Tuple())
            .AddState(PickleNode.Dict(PickleNode.Entry(PickleNode.Str("layers"),
                PickleNode.Dict(PickleNode.Entry(PickleNode.Str("inc-warmup"), layer)))));
        return SymbolicEmitter.EmitOnce(hlg).Pickle;
    }
}
