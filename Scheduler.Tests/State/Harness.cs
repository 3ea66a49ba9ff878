using Scheduler.Core.Config;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;
using Scheduler.Core.Protocol.Dialects;
using Scheduler.Core.State;

namespace Scheduler.Tests.State;

/// <summary>
/// Drives a <see cref="SchedulerState"/> with stimuli and records the commands it returns. Validation
/// (every invariant after every stimulus) is always on.
/// </summary>
public sealed class Harness
{
    private double _now = 1_000_000;
    private long _replyIds;

    public Harness(SchedulerConfig? config = null)
    {
        State = new SchedulerState((config ?? new SchedulerConfig()) with { Validate = true },
            new SchedulerIdentity("Scheduler-test", _now));
    }

    public SchedulerState State { get; }
    public List<Command> Log { get; } = [];

    public IReadOnlyList<Command> Send(Stimulus s, double advance = 0.001)
    {
        _now += advance;
        s.Time = _now;
        var cmds = State.Handle(s).ToList();
        Log.AddRange(cmds);
        return cmds;
    }

    public IReadOnlyList<Command> AddWorker(string address, int nthreads = 1, bool running = true, MsgMap? resources = null, string? nanny = null,
        DaskDialect? dialect = null)
    {
        var msg = new MsgMap().Add("op", "register-worker").Add("address", address).Add("status", "init").Add("nanny", nanny)
            .Add("nthreads", (long)nthreads).Add("name", address).Add("memory_limit", 1L << 30)
            .Add("resources", resources ?? new MsgMap()).Add("nbytes", new MsgMap()).Add("server_id", "Worker-" + address);
        var cmds = Send(new WorkerConnected(address.GetHashCode(), msg) { Dialect = dialect ?? DaskDialect.Dask2022 }).ToList();
        if (running) cmds.AddRange(Send(new WorkerStreamOp(address, "worker-status-change", new MsgMap().Add("status", "running"))));
        return cmds;
    }

    public IReadOnlyList<Command> AddClient(string id, DaskDialect? dialect = null) =>
        Send(new ClientConnected(id.GetHashCode(), id, new MsgMap().Add("op", "register-client").Add("client", id)) { Dialect = dialect ?? DaskDialect.Dask2022 });

    public static MsgMap Spec() => new MsgMap().Add("function", new byte[] { 0x80, 4, 0x2e }).Add("args", new byte[] { 0x80, 4, 0x29, 0x2e });

    /// <summary>update-graph-hlg with one MaterializedLayer: key -> dependencies.</summary>
    public IReadOnlyList<Command> Submit(string client, IEnumerable<(string Key, string[] Deps)> tasks, IEnumerable<string> wanted,
        MsgMap? priority = null, MsgMap? annotations = null)
    {
        var dsk = new MsgMap();
        var deps = new MsgMap();
        foreach (var (k, d) in tasks)
        {
            dsk.Add(k, Spec());
            deps.Add(k, MsgValues.ToSet(d));
        }
        var layer = new MsgMap().Add("__module__", "dask.highlevelgraph").Add("__name__", "MaterializedLayer")
            .Add("state", new MsgMap().Add("dsk", dsk).Add("dependencies", deps)).Add("annotations", annotations ?? new MsgMap());
        var msg = new MsgMap().Add("op", "update-graph-hlg")
            .Add("hlg", new MsgMap().Add("layers", new object?[] { layer }))
            .Add("keys", wanted.ToArray<object?>()).Add("priority", priority)
            .Add("submitting_task", null).Add("fifo_timeout", "100 ms").Add("actors", false).Add("code", "");
        return Send(new ClientStreamOp(client, "update-graph-hlg", msg));
    }

    public IReadOnlyList<Command> Finish(string worker, string key, long nbytes = 100) =>
        Send(new WorkerStreamOp(worker, "task-finished", new MsgMap().Add("op", "task-finished").Add("key", key)
            .Add("nbytes", nbytes).Add("type", new byte[] { 1 }).Add("typename", "int").Add("metadata", new MsgMap())
            .Add("thread", 1L).Add("startstops", new object?[] { new MsgMap().Add("action", "compute").Add("start", 1.0).Add("stop", 1.5) })
            .Add("status", "OK").Add("stimulus_id", "finished-" + key)));

    public IReadOnlyList<Command> Err(string worker, string key) =>
        Send(new WorkerStreamOp(worker, "task-erred", new MsgMap().Add("op", "task-erred").Add("key", key)
            .Add("exception", new byte[] { 9 }).Add("traceback", null).Add("exception_text", "ZeroDivisionError()")
            .Add("traceback_text", "").Add("thread", 1L).Add("startstops", Array.Empty<object?>()).Add("status", "error")
            .Add("stimulus_id", "erred-" + key)));

    public (long Id, IReadOnlyList<Command> Commands) Rpc(string op, MsgMap? msg = null)
    {
        long id = ++_replyIds;
        var m = msg ?? new MsgMap();
        m.Set("op", op);
        return (id, Send(new RpcRequest(id, op, m)));
    }

    /// <summary>
    /// The op a command sends, as the host writes it for a peer of <paramref name="dialect"/> (2022.12 by default), so
    /// that tests assert the wire's shape; null for a command that sends no op, or an op the dialect does not have.
    /// </summary>
    public static MsgMap? Wire(Command command, DaskDialect? dialect = null)
    {
        var writer = (dialect ?? DaskDialect.Dask2022).Writer;
        return command switch
        {
            ToWorker w => writer.Write(w.Message),
            ToClient c => writer.Write(c.Message),
            _ => null,
        };
    }

    /// <summary>A request as the host writes it for a worker or nanny of <paramref name="dialect"/> (2022.12 by default).</summary>
    public static MsgMap Wire(WorkerRpc request, DaskDialect? dialect = null) => (dialect ?? DaskDialect.Dask2022).Writer.Write(request);

    /// <summary>A registration reply as the host writes it for a worker of <paramref name="dialect"/> (2022.12 by default).</summary>
    public static MsgMap Wire(RegistrationReply reply, DaskDialect? dialect = null) => (dialect ?? DaskDialect.Dask2022).Writer.Write(reply);

    public static IEnumerable<MsgMap> ToWorker(IEnumerable<Command> cmds, string worker, string op, DaskDialect? dialect = null) =>
        cmds.OfType<ToWorker>().Where(c => c.Worker == worker).Select(c => Wire(c, dialect)).OfType<MsgMap>().Where(m => m["op"] as string == op);

    public static IEnumerable<MsgMap> ToClient(IEnumerable<Command> cmds, string client, string op, DaskDialect? dialect = null) =>
        cmds.OfType<ToClient>().Where(c => c.Client == client).Select(c => Wire(c, dialect)!).Where(m => m["op"] as string == op);

    public static IEnumerable<(string Worker, MsgMap Msg)> ComputeTasks(IEnumerable<Command> cmds, DaskDialect? dialect = null) =>
        cmds.OfType<ToWorker>().Where(c => c.Message is ComputeTask).Select(c => (c.Worker, Wire(c, dialect)!));

    public TaskStatus StatusOf(string key) => State.Tasks.TryGetValue(key, out var ts) ? ts.Status : TaskStatus.Forgotten;
}
