using Scheduler.Core.Pickle;
using Scheduler.Core.Protocol;
using Scheduler.Perf.Wire;

namespace Scheduler.Perf.Workers;

/// <summary>
/// The messages a 2022.12.1 worker sends, with the fields and shapes of the captures (register-worker and
/// heartbeat_worker from a_submit, task-finished from every capture). Both schedulers read these fields.
/// </summary>
public static class WorkerMessages
{
    // pickle.dumps(int): what a real worker sends as "type" for an int result.
    private static readonly byte[] IntType = new PickleWriter().Global("builtins", "int").ToArray();
    private static readonly byte[] SmallInt = new PickleWriter().Int(42).ToArray();

    public static MsgMap Register(string address, string name, int nthreads, string serverId) => new MsgMap()
        .Add("op", "register-worker").Add("reply", false)
        .Add("address", address).Add("status", "init")
        .Add("keys", Array.Empty<object?>()).Add("nthreads", (long)nthreads).Add("name", name)
        .Add("nbytes", new MsgMap()).Add("types", new MsgMap())
        .Add("now", Connect.Now()).Add("resources", new MsgMap()).Add("memory_limit", 2_000_000_000L)
        .Add("local_directory", "/tmp/zero-worker").Add("services", new MsgMap()).Add("nanny", null)
        .Add("pid", (long)Environment.ProcessId).Add("versions", Versions()).Add("metrics", Metrics(0))
        .Add("extra", new MsgMap()).Add("stimulus_id", $"worker-connect-{Connect.Now()}").Add("server_id", serverId);

    public static MsgMap Heartbeat(string address, int inMemory) => new MsgMap()
        .Add("op", "heartbeat_worker").Add("address", address).Add("now", Connect.Now())
        .Add("metrics", Metrics(inMemory)).Add("executing", new MsgMap())
        .Add("extensions", new MsgMap().Add("shuffle", new MsgMap())).Add("reply", true);

    public static MsgMap StatusRunning() => new MsgMap()
        .Add("op", "worker-status-change").Add("status", "running").Add("stimulus_id", $"worker-status-change-{Connect.Now()}");

    // A task "runs" for 20 µs (what inc takes in Python). Zero would be the truth, but dask-scheduler's work
    // stealing asserts that a task with dependencies has a nonzero duration estimate unless it is long-running.
    private const double ComputeSeconds = 20e-6;

    public static MsgMap TaskFinished(string key, long thread, double now) => new MsgMap()
        .Add("key", key).Add("nbytes", 28L).Add("type", IntType).Add("typename", "int")
        .Add("metadata", new MsgMap()).Add("thread", thread)
        .Add("startstops", new object?[] { new MsgMap().Add("action", "compute").Add("start", now - ComputeSeconds).Add("stop", now) })
        .Add("op", "task-finished").Add("stimulus_id", $"task-finished-{now}").Add("status", "OK");

    public static MsgMap AddKeys(List<object?> keys, double now) => new MsgMap()
        .Add("op", "add-keys").Add("keys", keys.ToArray()).Add("stimulus_id", $"gather-dep-success-{now}");

    public static MsgMap ReleaseData(object? key, double now) => new MsgMap()
        .Add("op", "release-worker-data").Add("key", key).Add("stimulus_id", $"free-keys-{now}");

    public static MsgMap StealResponse(object? key, string? state, double now) => new MsgMap()
        .Add("op", "steal-response").Add("key", key).Add("state", state).Add("stimulus_id", $"steal-request-{now}");

    /// <summary>The tiny payload get_data serves for any key: a pickled int.</summary>
    public static Serialized Payload() => new(
        MsgEncoder.EncodePlain(new MsgMap().Add("serializer", "pickle").Add("writeable", Array.Empty<object?>())),
        [SmallInt]);

    private static MsgMap Metrics(int inMemory) => new MsgMap()
        .Add("task_counts", new MsgMap().Add("executing", 0L).Add("long-running", 0L).Add("memory", (long)inMemory)
            .Add("ready", 0L).Add("constrained", 0L).Add("waiting", 0L).Add("fetch", 0L).Add("missing", 0L)
            .Add("flight", 0L).Add("other", 0L))
        .Add("bandwidth", new MsgMap().Add("total", 100_000_000L).Add("workers", new MsgMap()).Add("types", new MsgMap()))
        .Add("managed_bytes", 28L * inMemory)
        .Add("spilled_bytes", new MsgMap().Add("memory", 0L).Add("disk", 0L))
        .Add("transfer", new MsgMap().Add("incoming_bytes", 0L).Add("incoming_count", 0L).Add("incoming_count_total", 0L)
            .Add("outgoing_bytes", 0L).Add("outgoing_count", 0L).Add("outgoing_count_total", 0L))
        .Add("event_loop_interval", 0.02).Add("cpu", 0.0).Add("memory", 60_000_000L).Add("time", Connect.Now())
        .Add("host_net_io", new MsgMap().Add("read_bps", 0.0).Add("write_bps", 0.0))
        .Add("host_disk_io", new MsgMap().Add("read_bps", 0.0).Add("write_bps", 0.0))
        .Add("num_fds", 8L);

    private static MsgMap Versions()
    {
        var host = new MsgMap().Add("python", "3.11.2.final.0").Add("python-bits", 64L).Add("OS", "Linux")
            .Add("OS-release", "zero").Add("machine", "x86_64").Add("processor", "").Add("byteorder", "little")
            .Add("LC_ALL", "None").Add("LANG", "C.UTF-8");
        var packages = new MsgMap().Add("python", "3.11.2.final.0").Add("dask", "2022.12.1+dfsg")
            .Add("distributed", "2022.12.1+ds.1").Add("msgpack", "1.0.3").Add("cloudpickle", "2.2.0")
            .Add("tornado", "6.2").Add("toolz", "0.12.0").Add("numpy", "1.24.2").Add("pandas", "1.5.3")
            .Add("lz4", "4.0.2+dfsg");
        return new MsgMap().Add("host", host).Add("packages", packages);
    }
}
