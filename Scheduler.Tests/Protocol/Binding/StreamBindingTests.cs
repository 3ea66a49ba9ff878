using Scheduler.Core.Messages;
using Scheduler.Core.Protocol;
using Scheduler.Core.Protocol.Binding;
using Scheduler.Core.Protocol.Dialects;

namespace Scheduler.Tests.Protocol.Binding;

/// <summary>The workers' and clients' stream ops and registrations, as each version's peers send them, read into records.</summary>
public class StreamBindingTests
{
    private static readonly MessageBinder B2022 = DaskDialect.Dask2022.Binder;
    private static readonly MessageBinder B2024 = DaskDialect.Dask2024.Binder;

    private static object?[] StartStops() =>
        [new MsgMap().Add("action", "compute").Add("start", 1.0).Add("stop", 1.5)];

    /// <summary>TaskFinishedMsg.to_dict of distributed 2022.12.1 (2024.12.1 adds run_id).</summary>
    private static MsgMap TaskFinished(object key) => new MsgMap().Add("op", "task-finished").Add("key", key)
        .Add("nbytes", 28L).Add("type", new byte[] { 0x80, 4 }).Add("typename", "int").Add("metadata", new MsgMap())
        .Add("thread", 140_000L).Add("startstops", StartStops()).Add("status", "OK").Add("stimulus_id", "task-finished-1.5");

    private static MsgMap TaskErred(object key) => new MsgMap().Add("op", "task-erred").Add("key", key)
        .Add("exception", new byte[] { 9 }).Add("traceback", new byte[] { 8 }).Add("exception_text", "ZeroDivisionError('division by zero')")
        .Add("traceback_text", "  File ...").Add("thread", 140_000L).Add("startstops", StartStops()).Add("status", "error")
        .Add("stimulus_id", "task-erred-1.5");

    [Fact]
    public void A_2022_task_finished_reads_what_the_transition_needs_and_keeps_the_report_for_the_task_stream()
    {
        var msg = TaskFinished("inc-1");
        var f = Assert.IsType<TaskFinished>(B2022.BindWorkerOp("task-finished", msg));
        Assert.Equal("inc-1", f.Key);
        Assert.Equal("task-finished-1.5", f.StimulusId);
        Assert.Null(f.RunId);
        Assert.Equal(28L, f.Nbytes);
        Assert.Equal(new byte[] { 0x80, 4 }, f.Type);
        Assert.Equal("int", f.TypeName);
        Assert.Equal([new StartStop("compute", 1.0, 1.5)], f.StartStops!);
        Assert.Same(msg, f.Report);
    }

    [Fact]
    public void A_2024_task_finished_names_its_run_and_its_tuple_key()
    {
        var msg = TaskFinished(new object?[] { "x", 0L }).Add("run_id", 7L);
        var f = Assert.IsType<TaskFinished>(B2024.BindWorkerOp("task-finished", msg));
        Assert.Equal("('x', 0)", f.Key);
        Assert.Equal(7L, f.RunId);
    }

    [Fact]
    public void A_2022_worker_names_no_run_so_a_run_id_is_not_read_from_it()
    {
        var f = Assert.IsType<TaskFinished>(B2022.BindWorkerOp("task-finished", TaskFinished("x").Add("run_id", 7L)));
        Assert.Null(f.RunId);
    }

    [Fact]
    public void A_task_finished_without_a_size_or_type_reads_as_none()
    {
        var msg = new MsgMap().Add("op", "task-finished").Add("key", "x").Add("nbytes", null).Add("type", "not bytes");
        var f = Assert.IsType<TaskFinished>(B2022.BindWorkerOp("task-finished", msg));
        Assert.Null(f.Nbytes);
        Assert.Null(f.Type);
        Assert.Null(f.TypeName);
        Assert.Null(f.StartStops);
        Assert.Null(f.StimulusId);
    }

    [Fact]
    public void A_startstop_that_is_not_a_map_still_counts_but_says_nothing()
    {
        var msg = TaskErred("x");
        msg.Set("startstops", new object?[] { "garbage", new MsgMap().Add("action", "transfer").Add("start", 1L), });
        var e = Assert.IsType<TaskErred>(B2022.BindWorkerOp("task-erred", msg));
        Assert.Equal([new StartStop(null, null, null), new StartStop("transfer", 1.0, null)], e.StartStops!);
        msg.Set("startstops", Array.Empty<object?>());
        Assert.Empty(Assert.IsType<TaskErred>(B2022.BindWorkerOp("task-erred", msg)).StartStops!);
    }

    [Theory]
    [InlineData("2022.12")]
    [InlineData("2024.12")]
    public void A_task_erred_passes_the_workers_pickles_on(string version)
    {
        var msg = TaskErred("div-1");
        if (version == "2024.12") msg.Add("run_id", 3L);
        var binder = version == "2024.12" ? B2024 : B2022;
        var e = Assert.IsType<TaskErred>(binder.BindWorkerOp("task-erred", msg));
        Assert.Equal("div-1", e.Key);
        Assert.Equal(version == "2024.12" ? 3L : null, e.RunId);
        Assert.Equal(new byte[] { 9 }, e.Exception);
        Assert.Equal("ZeroDivisionError('division by zero')", e.ExceptionText);
        Assert.Equal(new byte[] { 8 }, e.Traceback);
        Assert.Equal("  File ...", e.TracebackText);
        Assert.Same(msg, e.Report);
    }

    [Fact]
    public void The_workers_other_ops_read_their_fields()
    {
        var keys = MsgValues.ToSet(["a", new object?[] { "b", 1L }]);
        Assert.Equal(new ReleaseWorkerData("a", "s1"),
            B2022.BindWorkerOp("release-worker-data", new MsgMap().Add("op", "release-worker-data").Add("key", "a").Add("stimulus_id", "s1")));
        var added = Assert.IsType<KeysAdded>(B2024.BindWorkerOp("add-keys", new MsgMap().Add("op", "add-keys").Add("keys", keys)));
        Assert.Equal(["a", "('b', 1)"], added.Keys);
        Assert.Null(added.StimulusId);
        Assert.Equal(new TaskLongRunning("a", 2.5, "s2"), B2022.BindWorkerOp("long-running",
            new MsgMap().Add("op", "long-running").Add("key", "a").Add("compute_duration", 2.5).Add("stimulus_id", "s2")));
        Assert.Equal(new Reschedule("a", null), B2022.BindWorkerOp("reschedule", new MsgMap().Add("op", "reschedule").Add("key", "a")));
        Assert.Equal(new WorkerStatusChanged("paused", "s3"), B2022.BindWorkerOp("worker-status-change",
            new MsgMap().Add("op", "worker-status-change").Add("status", "paused").Add("stimulus_id", "s3")));
        var refresh = Assert.IsType<RequestRefreshWhoHas>(B2022.BindWorkerOp("request-refresh-who-has",
            new MsgMap().Add("op", "request-refresh-who-has").Add("keys", new object?[] { "a", "b" })));
        Assert.Equal(["a", "b"], refresh.Keys);
        Assert.Same(KeepAlive.Instance, B2022.BindWorkerOp("keep-alive", new MsgMap().Add("op", "keep-alive")));
        Assert.Equal(new StealResponse("a", "steal-1", "ready"), B2022.BindWorkerOp("steal-response",
            new MsgMap().Add("op", "steal-response").Add("key", "a").Add("state", "ready").Add("stimulus_id", "steal-1")));
    }

    [Fact]
    public void A_log_event_has_one_topic_or_several_and_its_event_as_it_came()
    {
        var payload = new MsgMap().Add("action", "spill");
        var one = Assert.IsType<WorkerLogEvent>(B2022.BindWorkerOp("log-event",
            new MsgMap().Add("op", "log-event").Add("topic", "memory").Add("msg", payload)));
        Assert.Equal(["memory"], one.Topics);
        Assert.Same(payload, one.Event);
        var several = Assert.IsType<WorkerLogEvent>(B2022.BindWorkerOp("log-event",
            new MsgMap().Add("op", "log-event").Add("topic", new object?[] { "a", 1L, "b" }).Add("msg", "text")));
        Assert.Equal(["a", "b"], several.Topics);
    }

    [Fact]
    public void A_worker_op_no_binder_reads_passes_untyped()
    {
        var msg = new MsgMap().Add("op", "missing-data").Add("key", "a");
        Assert.Same(msg, Assert.IsType<UntypedWorkerOp>(B2022.BindWorkerOp("missing-data", msg)).Fields);
    }

    [Fact]
    public void A_2022_register_worker_reads_as_the_worker_it_registers()
    {
        var resources = new MsgMap().Add("GPU", 2L);
        var msg = new MsgMap().Add("op", "register-worker").Add("reply", false).Add("address", "127.0.0.1:40000")
            .Add("status", "init").Add("keys", Array.Empty<object?>()).Add("nthreads", 4L).Add("name", 0L)
            .Add("nbytes", new MsgMap()).Add("types", new MsgMap()).Add("now", 1.0).Add("resources", resources)
            .Add("memory_limit", 8L << 30).Add("local_directory", "/tmp/dask-worker-space/worker-1")
            .Add("services", new MsgMap().Add("dashboard", 8787L)).Add("nanny", "tcp://127.0.0.1:40001").Add("pid", 12L)
            .Add("versions", new MsgMap()).Add("metrics", new MsgMap().Add("memory", 100L)).Add("extra", new MsgMap())
            .Add("stimulus_id", "worker-connect-1.0").Add("server_id", "Worker-abc");
        var r = B2022.BindRegisterWorker(msg);
        Assert.Equal("tcp://127.0.0.1:40000", r.Address);
        Assert.Equal(0L, r.Name);
        Assert.Equal("worker-connect-1.0", r.StimulusId);
        Assert.Equal(0, r.KeysInMemory);
        Assert.Equal(4L, r.NThreads);
        Assert.Equal(8L << 30, r.MemoryLimit);
        Assert.Equal("tcp://127.0.0.1:40001", r.Nanny);
        Assert.Equal("Worker-abc", r.ServerId);
        Assert.Same(resources, r.Resources);
        Assert.Equal("init", r.Status);
        Assert.Equal(100L, r.Metrics!["memory"]);
        Assert.Equal("/tmp/dask-worker-space/worker-1", r.LocalDirectory);
        Assert.Same(msg["services"], r.Services);
        Assert.Same(msg["extra"], r.Extra);
        Assert.Same(msg["versions"], r.Versions);
    }

    [Fact]
    public void A_2024_register_worker_sends_no_keys_and_a_worker_with_data_is_counted()
    {
        var bare = B2024.BindRegisterWorker(new MsgMap().Add("op", "register-worker").Add("address", "tcp://10.0.0.1:1"));
        Assert.Equal(0, bare.KeysInMemory);
        Assert.Null(bare.NThreads);
        Assert.Null(bare.Resources);
        Assert.Null(bare.Status);
        var reconnecting = B2022.BindRegisterWorker(new MsgMap().Add("address", "tcp://10.0.0.1:1")
            .Add("nbytes", new MsgMap().Add("x", 1L).Add("y", 2L)));
        Assert.Equal(2, reconnecting.KeysInMemory);
        Assert.Null(B2022.BindRegisterWorker(new MsgMap().Add("op", "register-worker")).Address);
    }

    [Fact]
    public void A_register_client_names_the_client_and_its_versions()
    {
        var versions = new MsgMap().Add("packages", new MsgMap().Add("distributed", "2024.12.1"));
        var r = B2024.BindRegisterClient(new MsgMap().Add("op", "register-client").Add("client", "Client-1").Add("reply", false)
            .Add("versions", versions));
        Assert.Equal("Client-1", r.Client);
        Assert.Same(versions, r.Versions);
    }

    /// <summary>Client._graph_to_futures of 2022.12.1.</summary>
    private static MsgMap UpdateGraphHlg() => new MsgMap().Add("op", "update-graph-hlg")
        .Add("hlg", new MsgMap().Add("layers", Array.Empty<object?>())).Add("keys", new object?[] { "sum-1", "('x', 0)" })
        .Add("priority", null).Add("submitting_task", null).Add("fifo_timeout", "100 ms").Add("actors", false).Add("code", "");

    [Fact]
    public void An_update_graph_hlg_reads_its_keys_and_ordering_and_keeps_the_graph_for_its_preparation()
    {
        var msg = UpdateGraphHlg();
        var op = Assert.Single(B2022.BindClientOp("Client-1", "update-graph-hlg", msg));
        var g = Assert.IsType<UpdateGraphHlg>(op.Message);
        Assert.Same(msg, g.Message);
        Assert.NotNull(op.Preparation);
        var s = g.Submission;
        Assert.Equal(["sum-1", "('x', 0)"], s.Keys);
        Assert.Null(s.Priority);
        Assert.Null(s.SubmittingTask);
        Assert.False(s.AllActors);
        Assert.Empty(s.ActorKeys);
        Assert.Equal(0.1, s.FifoTimeout!.Value, 9);
        Assert.Null(s.StimulusId);
        Assert.Equal("Client-1", op.Client);
    }

    [Fact]
    public void An_update_graph_hlg_with_priorities_and_actors_reads_them_per_key()
    {
        var msg = UpdateGraphHlg();
        msg.Set("priority", new MsgMap().Add("sum-1", 1L).Add("('x', 0)", 0.5).Add("bad", "high"));
        msg.Set("actors", new object?[] { "sum-1" });
        msg.Set("submitting_task", "parent-1");
        msg.Set("fifo_timeout", 0.25);
        msg.Add("stimulus_id", "update-graph-1");
        var s = Assert.IsType<UpdateGraphHlg>(B2022.BindClientMessage("update-graph-hlg", msg)).Submission;
        Assert.Equal(new Dictionary<string, double> { ["sum-1"] = 1, ["('x', 0)"] = 0.5 }, s.Priority);
        Assert.Equal(["sum-1"], s.ActorKeys);
        Assert.Equal("parent-1", s.SubmittingTask);
        Assert.Equal(0.25, s.FifoTimeout);
        Assert.Equal("update-graph-1", s.StimulusId);
        msg.Set("actors", true);
        Assert.True(Assert.IsType<UpdateGraphHlg>(B2022.BindClientMessage("update-graph-hlg", msg)).Submission.AllActors);
    }

    [Fact]
    public void A_futures_legacy_update_graph_names_its_client_and_has_no_tasks()
    {
        // distributed 2022.12.1 Future.__setstate__: the unpickled future's client holds the key.
        var msg = new MsgMap().Add("op", "update-graph").Add("tasks", new MsgMap()).Add("keys", new object?[] { "x" })
            .Add("client", "Client-2");
        var op = Assert.Single(B2022.BindClientOp("Client-1", "update-graph", msg));
        var g = Assert.IsType<UpdateGraphLegacy>(op.Message);
        Assert.Empty(g.Graph.Tasks);
        Assert.Equal(["x"], g.Submission.Keys);
        Assert.Equal("Client-2", op.Client);
        Assert.Equal("Client-1", op.ClientId);
    }

    [Fact]
    public void A_legacy_update_graph_reads_its_tasks_dependencies_and_annotations()
    {
        var msg = new MsgMap().Add("op", "update-graph")
            .Add("tasks", new MsgMap().Add("a", new byte[] { 1 }).Add("b", new byte[] { 2 }))
            .Add("dependencies", new MsgMap().Add("b", new object?[] { "a", "b" }))
            .Add("annotations", new MsgMap().Add("retries", new MsgMap().Add("b", 2L)))
            .Add("keys", new object?[] { "b" });
        var g = Assert.IsType<UpdateGraphLegacy>(B2022.BindClientMessage("update-graph", msg)).Graph;
        Assert.Equal(["a", "b"], g.Tasks.Keys);
        Assert.Equal(["a"], g.Dependencies["b"]);
        Assert.Equal(2L, g.Annotations["retries"]["b"]);
    }

    [Fact]
    public void An_annotation_that_names_a_task_twice_cannot_be_read()
    {
        // The repr and the tuple of one key are the same task.
        var msg = new MsgMap().Add("op", "update-graph").Add("keys", new object?[] { "('x', 0)" })
            .Add("annotations", new MsgMap().Add("priority", new MsgMap().Add("('x', 0)", 1L).Add(new object?[] { "x", 0L }, 2L)));
        var e = Assert.Throws<MessageBindingException>(() => B2022.BindClientOp("Client-1", "update-graph", msg).ToList());
        Assert.Equal("update-graph", e.Op);
    }

    [Fact]
    public void The_clients_key_ops_read_their_keys_and_the_client_they_act_for()
    {
        var desires = Assert.Single(B2022.BindClientOp("Client-1", "client-desires-keys",
            new MsgMap().Add("op", "client-desires-keys").Add("keys", new object?[] { "x" }).Add("client", "fire-and-forget")));
        Assert.Equal(["x"], Assert.IsType<KeysDesired>(desires.Message).Keys);
        Assert.Equal("fire-and-forget", desires.Client);
        var releases = Assert.Single(B2024.BindClientOp("Client-1", "client-releases-keys",
            new MsgMap().Add("op", "client-releases-keys").Add("keys", new object?[] { new object?[] { "x", 1L } }).Add("client", "Client-1")));
        Assert.Equal(["('x', 1)"], Assert.IsType<KeysReleased>(releases.Message).Keys);
        var cancel = Assert.IsType<CancelKeys>(B2024.BindClientMessage("cancel-keys",
            new MsgMap().Add("op", "cancel-keys").Add("keys", new object?[] { "x", "y" }).Add("force", true).Add("reason", null)));
        Assert.Equal(["x", "y"], cancel.Keys);
        Assert.True(cancel.Force);
        Assert.False(Assert.IsType<CancelKeys>(B2024.BindClientMessage("cancel-keys", new MsgMap().Add("keys", "x"))).Force);
        Assert.Equal(new ReportKey("('x', 0)"), B2024.BindClientMessage("report-key",
            new MsgMap().Add("op", "report-key").Add("key", new object?[] { "x", 0L })));
    }

    [Fact]
    public void The_clients_other_ops_read_their_fields()
    {
        Assert.Same(HeartbeatClient.Instance, B2022.BindClientMessage("heartbeat-client", new MsgMap().Add("op", "heartbeat-client")));
        Assert.Same(CloseClient.Instance, B2022.BindClientMessage("close-client", new MsgMap().Add("op", "close-client")));
        Assert.Equal(new SubscribeTopic("memory"), B2022.BindClientMessage("subscribe-topic",
            new MsgMap().Add("op", "subscribe-topic").Add("topic", "memory").Add("client", "Client-1")));
        Assert.Equal(new UnsubscribeTopic(null), B2022.BindClientMessage("unsubscribe-topic",
            new MsgMap().Add("op", "unsubscribe-topic").Add("topic", 3L)));
        // update-data (a direct scatter) carries what the scatter RPC's update_data does.
        var whoHas = new MsgMap().Add("x", new object?[] { "tcp://127.0.0.1:1" });
        var nbytes = new MsgMap().Add("x", 8L);
        var updated = Assert.IsType<DataUpdated>(B2022.BindClientMessage("update-data",
            new MsgMap().Add("op", "update-data").Add("who_has", whoHas).Add("nbytes", nbytes)));
        Assert.Same(whoHas, updated.WhoHas);
        Assert.Same(nbytes, updated.Nbytes);
    }

    [Fact]
    public void An_op_that_names_no_client_acts_for_the_streams()
    {
        var op = Assert.Single(B2022.BindClientOp("Client-1", "heartbeat-client", new MsgMap().Add("op", "heartbeat-client").Add("client", 5L)));
        Assert.Null(op.NamedClient);
        Assert.Equal("Client-1", op.Client);
    }
}
