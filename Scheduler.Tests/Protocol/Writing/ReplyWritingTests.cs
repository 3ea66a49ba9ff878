using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Pickle;
using Scheduler.Core.Protocol;
using Scheduler.Core.Protocol.Dialects;
using Scheduler.Core.State;
using Scheduler.Tests.State;

namespace Scheduler.Tests.Protocol.Writing;

/// <summary>
/// The RPC replies as both versions read them. Each expected value is built as the state built it before replies were
/// records (keys through <see cref="TaskKeys.ToWire"/>, whatever the asker's dialect), and the bytes each dialect's
/// writer makes are compared with it, framed as the asker's connection frames them.
/// </summary>
public class ReplyWritingTests
{
    private static readonly DaskDialect[] Dialects = [DaskDialect.Dask2022, DaskDialect.Dask2024];

    /// <summary>Keys of every kind: plain, a tuple, bytes, an int.</summary>
    private static readonly string[] Keys = ["x", "('x', 0)", TaskKeys.FromWire(new byte[] { 0x61, 0xff })!, TaskKeys.IntKey(5)];

    private static void AssertWrittenAsBefore(RpcReply reply, object? before)
    {
        foreach (var dialect in Dialects)
            Assert.Equal(WireBytes.Of(before, dialect), WireBytes.Of(dialect.Writer.Write(reply), dialect));
    }

    private static object?[] WireKeys(IEnumerable<string> keys) => keys.Select(TaskKeys.ToWire).ToArray<object?>();

    [Theory]
    [InlineData("KeyError: 'x'")]
    [InlineData("TimeoutError: ")]
    [InlineData("ValueError: Can not use replicate to delete data")]
    [InlineData("scatter without a data map")]
    [InlineData("CustomError: not a builtin")]
    public void An_error_is_Dasks_error_message_with_a_builtin_pickled_and_other_text_as_it_is(string text)
    {
        int colon = text.IndexOf(": ", StringComparison.Ordinal);
        object exception = colon > 0 && text[..colon] is "TimeoutError" or "KeyError" or "ValueError"
            ? SchedulerExceptions.Builtin(text[..colon], text[(colon + 2)..])
            : text;
        AssertWrittenAsBefore(new ErrorReply(text), new MsgMap()
            .Add("status", "uncaught-error").Add("exception", exception).Add("traceback", null)
            .Add("exception_text", text).Add("traceback_text", ""));
    }

    [Fact]
    public void Gather_answers_the_data_as_fetched_or_the_keys_no_holder_handed_over()
    {
        var data = new MsgMap().Add(TaskKeys.ToWire("('x', 0)"), new byte[] { 1 }).Add("y", 2L);
        AssertWrittenAsBefore(new GatherData(data), new MsgMap().Add("status", "OK").Add("data", data));
        var missing = new MsgMap();
        foreach (var k in Keys) missing.Add(TaskKeys.ToWire(k), new object?[] { "tcp://a:1", "tcp://b:2" });
        AssertWrittenAsBefore(new GatherMissing(Keys.Select(k => new KeyHolders(k, ["tcp://a:1", "tcp://b:2"])).ToList()),
            new MsgMap().Add("status", "error").Add("keys", missing));
    }

    [Fact]
    public void Key_lists_and_partial_failures_name_their_keys()
    {
        AssertWrittenAsBefore(new KeyList(Keys), WireKeys(Keys));
        AssertWrittenAsBefore(new KeyList([]), Array.Empty<object?>());
        AssertWrittenAsBefore(new PartialFail(Keys), new MsgMap().Add("status", "partial-fail").Add("keys", WireKeys(Keys)));
        AssertWrittenAsBefore(OkReply.Instance, new MsgMap().Add("status", "OK"));
    }

    [Fact]
    public void Who_has_has_what_and_processing_map_keys_and_workers()
    {
        var whoHas = new MsgMap();
        foreach (var k in Keys) whoHas.Add(TaskKeys.ToWire(k), k == "x" ? Array.Empty<object?>() : new object?[] { "tcp://a:1" });
        AssertWrittenAsBefore(new WhoHasReply(Keys.Select(k => new KeyHolders(k, k == "x" ? [] : new[] { "tcp://a:1" })).ToList()), whoHas);
        AssertWrittenAsBefore(new KeysByWorker([new WorkerKeys("tcp://a:1", Keys), new WorkerKeys("tcp://b:2", [])]),
            new MsgMap().Add("tcp://a:1", WireKeys(Keys)).Add("tcp://b:2", Array.Empty<object?>()));
    }

    [Fact]
    public void Sizes_statuses_and_an_error_cause_name_their_keys()
    {
        var sizes = new MsgMap();
        foreach (var k in Keys) sizes.Add(TaskKeys.ToWire(k), 10L);
        AssertWrittenAsBefore(new KeySizes(Keys.Select(k => new KeySize(k, 10)).ToList()), sizes);
        AssertWrittenAsBefore(new KeyStatuses([new KeyStatus("('x', 0)", TaskStatus.Memory), new KeyStatus("y", null)]),
            new MsgMap().Add(TaskKeys.ToWire("('x', 0)"), "memory").Add("y", null));
        AssertWrittenAsBefore(new ErrorCause("('x', 0)"), TaskKeys.ToWire("('x', 0)"));
        AssertWrittenAsBefore(new ErrorCause(null), null);
    }

    [Fact]
    public void A_story_is_Dasks_transition_tuples_with_the_last_recommendation_of_a_key()
    {
        var h = new Harness();
        h.AddWorker("tcp://a:1");
        h.AddClient("c");
        h.Submit("c", [("('x', 0)", []), ("b", ["('x', 0)"])], ["b"]);
        h.Finish("tcp://a:1", "('x', 0)");
        var story = h.State.TransitionLog.Story(new HashSet<string> { "('x', 0)", "b" });
        Assert.Contains(story, t => t.Recommendations.Any());
        var before = story.Select(t =>
        {
            var recs = new MsgMap();
            foreach (var (k, st) in t.Recommendations) recs.Set(TaskKeys.ToWire(k), st.Wire());
            return (object?)new object?[] { TaskKeys.ToWire(t.Key), t.Start.Wire(), t.Finish.Wire(), recs, t.StimulusId, t.Time };
        }).ToArray();
        AssertWrittenAsBefore(new StoryReply(story), before);
    }

    [Fact]
    public void The_task_stream_is_each_workers_report_without_its_op_with_the_cause_key_and_worker_set()
    {
        var h = new Harness();
        h.AddWorker("tcp://a:1");
        h.AddClient("c");
        h.Submit("c", [("('x', 0)", []), ("('b', 1)", [])], ["('x', 0)", "('b', 1)"]);
        var startstops = new object?[] { new MsgMap().Add("action", "compute").Add("start", 1.0).Add("stop", 1.5) };
        // The worker's key first, as it sent it: the record's key replaces it in place.
        h.Send(new WorkerStreamOp("tcp://a:1", "task-finished", new MsgMap().Add("op", "task-finished").Add("key", "('x', 0)")
            .Add("status", "OK").Add("nbytes", 8L).Add("thread", 7L).Add("startstops", startstops).Add("stimulus_id", "f-1")));
        h.Send(new WorkerStreamOp("tcp://a:1", "task-erred", new MsgMap().Add("op", "task-erred").Add("key", "('b', 1)")
            .Add("exception", new byte[] { 9 }).Add("traceback", null).Add("exception_text", "ZeroDivisionError()")
            .Add("traceback_text", "").Add("thread", 8L).Add("startstops", startstops).Add("status", "error").Add("stimulus_id", "e-1")));
        var records = h.State.TaskStream.All().ToList();
        Assert.Equal(2, records.Count);
        Assert.NotNull(records[1].Cause);
        var before = records.Select(r =>
        {
            var record = new MsgMap(r.Report.Count + 3);
            foreach (var (k, v) in r.Report)
                if (k is not "op") record.Add(k, v);
            if (r.Cause != null) record.Set("cause", TaskKeys.ToWire(r.Cause)); // a tuple key blamed is written as a key
            record.Set("key", TaskKeys.ToWire(r.Key));
            record.Set("worker", r.Worker);
            return (object?)record;
        }).ToArray();
        AssertWrittenAsBefore(new TaskStreamReply(records), before);
        Assert.Equal(["key", "status", "nbytes", "thread", "startstops", "stimulus_id", "worker"],
            WireBytes.Fields((MsgMap)((object?[])DaskDialect.Dask2022.Writer.Write(new TaskStreamReply(records))!)[0]!));
    }

    [Fact]
    public void A_run_spec_is_the_clients_task_and_its_dependencies_or_the_pickled_task_as_it_came()
    {
        var spec = new MsgMap().Add("function", new byte[] { 1 });
        AssertWrittenAsBefore(new RunSpecReply(spec, Keys), new MsgMap().Add("task", spec).Add("deps", WireKeys(Keys)));
        var pickled = new Pickled(new byte[] { 0x80 }, []);
        foreach (var dialect in Dialects) Assert.Same(pickled, dialect.Writer.Write(new RunSpecReply(pickled, Keys)));
    }

    [Fact]
    public void A_progress_report_counts_keys_or_groups_and_names_the_key_that_erred()
    {
        var exception = new byte[] { 9 };
        AssertWrittenAsBefore(new ProgressReport(3, 1, null, null, null),
            new MsgMap().Add("all", 3L).Add("remaining", 1L).Add("status", null));
        AssertWrittenAsBefore(new ProgressReport(3, 0, "finished", null, null),
            new MsgMap().Add("all", 3L).Add("remaining", 0L).Add("status", "finished"));
        AssertWrittenAsBefore(new ProgressReport(3, 1, "error", exception, "('x', 0)"),
            new MsgMap().Add("all", 3L).Add("remaining", 1L).Add("status", "error").Add("exception", exception).Add("key", TaskKeys.ToWire("('x', 0)")));
        AssertWrittenAsBefore(new MultiProgressReport([new GroupProgress("inc", 2, 1), new GroupProgress("x", 1, 0)], "error", exception, null),
            new MsgMap().Add("all", new MsgMap().Add("inc", 2L).Add("x", 1L)).Add("remaining", new MsgMap().Add("inc", 1L).Add("x", 0L))
                .Add("status", "error").Add("exception", exception).Add("key", null));
        AssertWrittenAsBefore(new MultiProgressReport([], null, null, null),
            new MsgMap().Add("all", new MsgMap()).Add("remaining", new MsgMap()).Add("status", null));
    }

    [Fact]
    public void A_published_dataset_is_its_payload_and_keys()
    {
        var data = new byte[] { 1, 2 };
        AssertWrittenAsBefore(new DatasetPublished("ds"), new MsgMap().Add("status", "OK").Add("name", "ds"));
        AssertWrittenAsBefore(new PublishedDataset(data, Keys), new MsgMap().Add("data", data).Add("keys", WireKeys(Keys)));
    }

    [Fact]
    public void A_stored_value_is_the_data_or_a_Future_with_its_state_token_and_error()
    {
        var exception = new byte[] { 9 };
        var traceback = new byte[] { 8 };
        AssertWrittenAsBefore(new StoredData(5L), new MsgMap().Add("type", "msgpack").Add("value", 5L));
        var future = new MsgMap().Add("type", "Future").Add("value", TaskKeys.ToWire("('x', 0)")).Add("token", "t-1").Add("state", "memory");
        AssertWrittenAsBefore(new StoredFuture("('x', 0)", "t-1", TaskStatus.Memory, null, null), future);
        AssertWrittenAsBefore(new StoredFuture("x", null, null, null, null), new MsgMap().Add("type", "Future").Add("value", "x").Add("state", "lost"));
        var erred = new MsgMap().Add("type", "Future").Add("value", "x").Add("state", "erred").Add("exception", exception).Add("traceback", traceback);
        AssertWrittenAsBefore(new StoredFuture("x", null, TaskStatus.Erred, exception, traceback), erred);
        AssertWrittenAsBefore(new StoredValues([new StoredFuture("('x', 0)", "t-1", TaskStatus.Memory, null, null), new StoredData(5L)]),
            new object?[] { future, new MsgMap().Add("type", "msgpack").Add("value", 5L) });
        AssertWrittenAsBefore(new StoredValues([]), Array.Empty<object?>());
    }

    [Fact]
    public void A_publisher_learns_the_subscribers_and_whether_to_send_to_the_scheduler()
    {
        AssertWrittenAsBefore(new PublisherAdded(["tcp://a:1", "tcp://b:2"], true), new MsgMap()
            .Add("subscribers", new MsgMap().Add("tcp://a:1", new MsgMap()).Add("tcp://b:2", new MsgMap())).Add("publish-scheduler", true));
        AssertWrittenAsBefore(new PublisherAdded([], false), new MsgMap().Add("subscribers", new MsgMap()).Add("publish-scheduler", false));
    }

    [Fact]
    public void A_hardware_benchmark_is_the_averaged_durations_per_size_of_each_benchmark()
    {
        AssertWrittenAsBefore(new HardwareBenchmark([new SizeDuration("1 kiB", 0.5), new SizeDuration("1 MiB", 1.25)], [], [new SizeDuration("1 kiB", 2.0)]),
            new MsgMap().Add("disk", new MsgMap().Add("1 kiB", 0.5).Add("1 MiB", 1.25)).Add("memory", new MsgMap())
                .Add("network", new MsgMap().Add("1 kiB", 2.0)));
    }

    [Fact]
    public void Versions_are_a_peers_as_it_sent_them_or_no_packages()
    {
        var versions = new MsgMap().Add("host", new MsgMap().Add("python", "3.11")).Add("packages", new MsgMap().Add("distributed", "2022.12.1"));
        AssertWrittenAsBefore(new PeerVersions(versions), versions);
        AssertWrittenAsBefore(new PeerVersions(null), new MsgMap().Add("host", new MsgMap()).Add("packages", new MsgMap()));
    }

    [Fact]
    public void Heartbeats_nanny_registration_and_the_monitor_count_are_status_maps()
    {
        AssertWrittenAsBefore(new HeartbeatAck(1_000_000.5, 0.5),
            new MsgMap().Add("status", "OK").Add("time", 1_000_000.5).Add("heartbeat-interval", 0.5));
        AssertWrittenAsBefore(HeartbeatMissing.Instance, new MsgMap().Add("status", "missing"));
        var plugins = new MsgMap().Add("p", new byte[] { 1 });
        AssertWrittenAsBefore(new NannyRegistered(plugins), new MsgMap().Add("status", "OK").Add("nanny-plugins", plugins));
        AssertWrittenAsBefore(new MonitorCount(42), new MsgMap().Add("status", "OK").Add("result", 42L));
    }
}
