using Scheduler.Core.Config;
using Scheduler.Core.Protocol;
using Scheduler.Core.State;
using static Scheduler.Tests.State.Harness;

namespace Scheduler.Tests.State;

public class TransitionTests
{
    private const string W1 = "tcp://127.0.0.1:1001", W2 = "tcp://127.0.0.1:1002", C = "Client-1";

    /// <summary>The fields of distributed.worker_state_machine.ComputeTaskEvent (2022.12.1), minus "op".</summary>
    private static readonly string[] ComputeTaskFields =
        ["key", "priority", "duration", "stimulus_id", "who_has", "nbytes", "run_spec", "function", "args", "kwargs",
         "resource_restrictions", "actor", "annotations"];

    [Fact]
    public void A_submitted_task_goes_to_a_running_worker_with_every_field_the_worker_requires()
    {
        var h = new Harness();
        h.AddWorker(W1);
        h.AddClient(C);
        var cmds = h.Submit(C, [("inc-1", [])], ["inc-1"], new MsgMap().Add("inc-1", 0L));
        var (worker, msg) = Assert.Single(ComputeTasks(cmds));
        Assert.Equal(W1, worker);
        Assert.Equal(["op", .. ComputeTaskFields], msg.Select(p => (string)p.Key!).ToArray());
        Assert.Equal(Spec()["function"], msg["function"]);
        Assert.Equal(TaskStatus.Processing, h.StatusOf("inc-1"));
    }

    [Fact]
    public void A_worker_gets_nothing_until_it_reports_running()
    {
        var h = new Harness();
        h.AddWorker(W1, running: false);
        h.AddClient(C);
        Assert.Empty(ComputeTasks(h.Submit(C, [("a", [])], ["a"])));
        Assert.Equal(TaskStatus.NoWorker, h.StatusOf("a"));
        var cmds = h.Send(new WorkerStreamOp(W1, "worker-status-change", new MsgMap().Add("status", "running")));
        Assert.Equal("a", Assert.Single(ComputeTasks(cmds)).Msg["key"]);
    }

    [Fact]
    public void Results_are_reported_and_released_results_are_freed_on_the_worker()
    {
        var h = new Harness();
        h.AddWorker(W1);
        h.AddClient(C);
        h.Submit(C, [("a", [])], ["a"]);
        var done = h.Finish(W1, "a");
        var kim = Assert.Single(ToClient(done, C, "key-in-memory"));
        Assert.Equal(new byte[] { 1 }, kim["type"]);
        Assert.Equal(TaskStatus.Memory, h.StatusOf("a"));
        var released = h.Send(new ClientStreamOp(C, "client-releases-keys", new MsgMap().Add("keys", new object?[] { "a" })));
        Assert.Equal(new object?[] { "a" }, Assert.Single(ToWorker(released, W1, "free-keys"))["keys"]);
        Assert.Equal(TaskStatus.Forgotten, h.StatusOf("a"));
    }

    [Fact]
    public void Keys_released_in_one_turn_are_freed_with_one_message_per_worker()
    {
        var h = new Harness();
        h.AddWorker(W1);
        h.AddWorker(W2);
        h.AddClient(C);
        var parts = Enumerable.Range(0, 20).Select(i => $"part-{i}").ToArray();
        var pending = new Queue<(string Worker, string Key)>(ComputeTasks(
                h.Submit(C, [.. parts.Select(p => (p, Array.Empty<string>())), ("total", parts)], ["total"]))
            .Select(c => (c.Worker, TaskKeys.FromWire(c.Msg["key"])!)));
        var heldBy = new Dictionary<string, string>();
        List<Command> last = [];
        while (pending.TryDequeue(out var next))
        {
            heldBy[next.Key] = next.Worker;
            last = h.Finish(next.Worker, next.Key).ToList();
            foreach (var (w, m) in ComputeTasks(last)) pending.Enqueue((w, TaskKeys.FromWire(m["key"])!));
        }
        // The last report is total's: all twenty parts are released in that turn, one free-keys per holder.
        foreach (var w in new[] { W1, W2 })
        {
            var expected = parts.Where(p => heldBy[p] == w).Order().ToArray();
            var freed = ToWorker(last, w, "free-keys").ToList();
            if (expected.Length == 0) { Assert.Empty(freed); continue; }
            var msg = Assert.Single(freed);
            Assert.Equal(expected, ((IList<object?>)msg["keys"]!).Cast<string>().Order().ToArray());
            Assert.Equal("finished-total", msg["stimulus_id"]);
        }
        Assert.All(parts, p => Assert.Equal(TaskStatus.Released, h.StatusOf(p)));
    }

    [Fact]
    public void A_dependent_runs_where_its_dependency_is_and_learns_who_has_it()
    {
        var h = new Harness();
        h.AddWorker(W1);
        h.AddWorker(W2);
        h.AddClient(C);
        var first = h.Submit(C, [("a", []), ("b", ["a"])], ["b"]);
        var (wa, _) = Assert.Single(ComputeTasks(first));
        var next = h.Finish(wa, "a", nbytes: 5000);
        var (wb, msg) = Assert.Single(ComputeTasks(next));
        Assert.Equal(wa, wb);
        var whoHas = Assert.IsType<MsgMap>(msg["who_has"]);
        Assert.Equal(new object?[] { wa }, whoHas["a"]);
        Assert.Equal(5000L, Assert.IsType<MsgMap>(msg["nbytes"])["a"]);
        // a is not wanted by the client: once b is done it is released everywhere.
        var done = h.Finish(wb, "b");
        Assert.Contains(ToWorker(done, wa, "free-keys"), m => ((IList<object?>)m["keys"]!).Contains("a"));
        Assert.Equal(TaskStatus.Released, h.StatusOf("a"));
        Assert.Single(ToClient(done, C, "key-in-memory"));
        // Once the client lets go of b, both are forgotten.
        h.Send(new ClientStreamOp(C, "client-releases-keys", new MsgMap().Add("keys", new object?[] { "b" })));
        Assert.Empty(h.State.Tasks);
    }

    [Fact]
    public void An_error_reaches_the_client_for_the_task_and_its_dependents()
    {
        var h = new Harness();
        h.AddWorker(W1);
        h.AddClient(C);
        h.Submit(C, [("a", []), ("b", ["a"]), ("c", ["b"])], ["a", "c"]);
        var cmds = h.Err(W1, "a");
        var erred = ToClient(cmds, C, "task-erred").ToList();
        Assert.Equal(["a", "c"], erred.Select(m => TaskKeys.FromWire(m["key"])!).Order().ToArray());
        Assert.All(erred, m => Assert.Equal(new byte[] { 9 }, m["exception"]));
        Assert.Equal(TaskStatus.Erred, h.StatusOf("c"));
        // retry puts the whole chain back to work and tells the client.
        var (_, retry) = h.Rpc("retry", new MsgMap().Add("keys", new object?[] { "c" }).Add("client", C));
        Assert.Contains(ToClient(retry, C, "task-retried"), m => TaskKeys.FromWire(m["key"])! == "a");
        Assert.Equal("a", Assert.Single(ComputeTasks(retry)).Msg["key"]);
    }

    [Fact]
    public void Retries_annotation_reruns_a_failing_task_before_reporting()
    {
        var h = new Harness();
        h.AddWorker(W1);
        h.AddClient(C);
        h.Submit(C, [("a", [])], ["a"], annotations: new MsgMap().Add("retries", 1L));
        var again = h.Err(W1, "a");
        Assert.Empty(ToClient(again, C, "task-erred"));
        Assert.Single(ComputeTasks(again));
        Assert.Single(ToClient(h.Err(W1, "a"), C, "task-erred"));
    }

    [Fact]
    public void A_lost_worker_has_its_tasks_rescheduled_and_its_results_recomputed()
    {
        var h = new Harness();
        h.AddWorker(W1);
        h.AddWorker(W2);
        h.AddClient(C);
        var cmds = h.Submit(C, [("a", []), ("b", [])], ["a", "b"], new MsgMap().Add("a", 0L).Add("b", 1L));
        var placement = ComputeTasks(cmds).ToDictionary(x => TaskKeys.FromWire(x.Msg["key"])!, x => x.Worker);
        Assert.NotEqual(placement["a"], placement["b"]);
        var first = placement["a"];
        var other = placement["b"];
        h.Finish(first, "a");
        var lost = h.Send(new WorkerDisconnected(0, first));
        Assert.Single(ToClient(lost, C, "lost-data"));
        var (w, m) = Assert.Single(ComputeTasks(lost));
        Assert.Equal(other, w);
        Assert.Equal("a", m["key"]);
    }

    [Fact]
    public void A_task_that_kills_too_many_workers_errs_with_KilledWorker()
    {
        var h = new Harness(new SchedulerConfig { AllowedFailures = 0 });
        h.AddWorker(W1);
        h.AddWorker(W2);
        h.AddClient(C);
        var (w, _) = Assert.Single(ComputeTasks(h.Submit(C, [("a", [])], ["a"])));
        var cmds = h.Send(new WorkerDisconnected(0, w));
        var err = Assert.Single(ToClient(cmds, C, "task-erred"));
        var pickle = Assert.IsType<byte[]>(err["exception"]);
        Assert.Contains("KilledWorker", System.Text.Encoding.ASCII.GetString(pickle));
        Assert.Equal(TaskStatus.Erred, h.StatusOf("a"));
    }

    [Fact]
    public void Root_tasks_beyond_the_saturation_limit_wait_in_the_queue()
    {
        var h = new Harness();
        h.AddWorker(W1);
        h.AddClient(C);
        var keys = Enumerable.Range(0, 10).Select(i => $"('root-x', {i})").ToList();
        var prio = new MsgMap();
        for (int i = 0; i < keys.Count; i++) prio.Add(keys[i], (long)i);
        var cmds = h.Submit(C, keys.Select(k => (k, Array.Empty<string>())), keys, prio);
        // ceil(1.1 * 1 thread) = 2 slots.
        Assert.Equal([keys[0], keys[1]], ComputeTasks(cmds).Select(x => TaskKeys.FromWire(x.Msg["key"])!).ToArray());
        Assert.Equal(8, h.State.Queued.Count);
        var next = h.Finish(W1, keys[0]);
        Assert.Equal(keys[2], TaskKeys.FromWire(Assert.Single(ComputeTasks(next)).Msg["key"]));
    }

    [Fact]
    public void Without_queuing_sibling_root_tasks_are_co_assigned_in_runs()
    {
        var h = new Harness(new SchedulerConfig { WorkerSaturation = double.PositiveInfinity });
        h.AddWorker(W1);
        h.AddWorker(W2);
        h.AddClient(C);
        var keys = Enumerable.Range(0, 10).Select(i => $"('root-y', {i})").ToList();
        var prio = new MsgMap();
        for (int i = 0; i < keys.Count; i++) prio.Add(keys[i], (long)i);
        var placed = ComputeTasks(h.Submit(C, keys.Select(k => (k, Array.Empty<string>())), keys, prio)).ToList();
        Assert.Equal(10, placed.Count);
        Assert.Empty(h.State.Queued);
        // 10 tasks over 2 single-thread workers: runs of 5 consecutive siblings per worker.
        var first = placed.Take(5).Select(p => p.Worker).Distinct().ToList();
        var second = placed.Skip(5).Select(p => p.Worker).Distinct().ToList();
        Assert.Single(first);
        Assert.Single(second);
        Assert.NotEqual(first[0], second[0]);
    }

    [Fact]
    public void A_graph_with_a_layer_we_cannot_expand_errs_readably_and_changes_nothing()
    {
        var h = new Harness();
        h.AddWorker(W1);
        h.AddClient(C);
        var layer = new MsgMap().Add("__module__", "mylib.layers").Add("__name__", "CustomLayer")
            .Add("state", new MsgMap().Add("output", "x")).Add("annotations", new MsgMap());
        var msg = new MsgMap().Add("op", "update-graph-hlg").Add("hlg", new MsgMap().Add("layers", new object?[] { layer }))
            .Add("keys", new object?[] { "('x', 0)" }).Add("priority", null);
        var cmds = h.Send(new ClientStreamOp(C, "update-graph-hlg", msg));
        var err = Assert.Single(ToClient(cmds, C, "task-erred"));
        Assert.Contains("mylib.layers.CustomLayer", (string)err["exception"]!);
        Assert.Empty(h.State.Tasks);
    }

    [Fact]
    public void A_cyclic_graph_is_refused_for_its_keys_only()
    {
        var h = new Harness();
        h.AddWorker(W1);
        h.AddClient(C);
        var cmds = h.Submit(C, [("a", ["b"]), ("b", ["a"])], ["a"]);
        Assert.Contains("cannot be ordered", (string)Assert.Single(ToClient(cmds, C, "task-erred"))["exception"]!);
        Assert.Empty(h.State.Tasks);
        Assert.Single(ComputeTasks(h.Submit(C, [("c", [])], ["c"])));
    }

    [Fact]
    public void Unknown_stream_ops_are_ignored_and_the_client_keeps_working()
    {
        var h = new Harness();
        h.AddWorker(W1);
        h.AddClient(C);
        Assert.Empty(h.Send(new ClientStreamOp(C, "pubsub-remove-subscribers", new MsgMap().Add("name", "x"))));
        Assert.Single(ComputeTasks(h.Submit(C, [("a", [])], ["a"])));
    }

    [Fact]
    public void Two_clients_sharing_a_key_keep_it_until_both_release_it()
    {
        var h = new Harness();
        h.AddWorker(W1);
        h.AddClient(C);
        h.AddClient("Client-2");
        h.Submit(C, [("a", [])], ["a"]);
        h.Submit("Client-2", [("a", [])], ["a"]);
        var done = h.Finish(W1, "a");
        Assert.Single(ToClient(done, C, "key-in-memory"));
        Assert.Single(ToClient(done, "Client-2", "key-in-memory"));
        h.Send(new ClientStreamOp(C, "client-releases-keys", new MsgMap().Add("keys", new object?[] { "a" })));
        Assert.Equal(TaskStatus.Memory, h.StatusOf("a"));
        h.Send(new ClientDisconnected(0, "Client-2"));
        Assert.Equal(TaskStatus.Forgotten, h.StatusOf("a"));
    }

    [Fact]
    public void Scatter_places_data_round_robin_then_reports_it_in_memory()
    {
        var h = new Harness();
        h.AddWorker(W1);
        h.AddWorker(W2);
        h.AddClient(C);
        var data = new MsgMap().Add("x", new byte[] { 1 }).Add("y", new byte[] { 2 });
        var (id, cmds) = h.Rpc("scatter", new MsgMap().Add("data", data).Add("client", C).Add("broadcast", false).Add("workers", null));
        var push = Assert.IsType<PushData>(Assert.Single(cmds));
        Assert.Equal(2, push.DataByWorker.Count);
        var whoHas = push.DataByWorker.SelectMany(p => p.Value.Select(kv => (Key: (string)kv.Key!, p.Key)))
            .ToDictionary(x => x.Key, x => new List<string> { x.Item2 });
        var done = h.Send(new DataPushed(id, C, ["x", "y"], whoHas, new Dictionary<string, long> { ["x"] = 10, ["y"] = 20 }, null));
        Assert.Equal(new object?[] { "x", "y" }, Assert.Single(done.OfType<Reply>()).Written());
        Assert.Equal(2, ToClient(done, C, "key-in-memory").Count());
        Assert.Equal(TaskStatus.Memory, h.StatusOf("x"));
        Assert.Equal(30, h.State.Workers.Values.Sum(w => w.Nbytes));
    }

    [Fact]
    public void Gather_failing_on_a_worker_answers_an_error_and_removes_that_worker()
    {
        var h = new Harness();
        h.AddWorker(W1);
        h.AddClient(C);
        h.Submit(C, [("a", [])], ["a"]);
        h.Finish(W1, "a");
        var (id, cmds) = h.Rpc("gather", new MsgMap().Add("keys", new object?[] { "a" }));
        var fetch = Assert.IsType<FetchData>(Assert.Single(cmds));
        Assert.Equal([W1], fetch.WhoHas["a"]);
        var res = h.Send(new DataFetched(id, new MsgMap(), new Dictionary<string, List<string>> { ["a"] = [W1] }, [W1]));
        var reply = Assert.IsType<MsgMap>(Assert.Single(res.OfType<Reply>()).Written());
        Assert.Equal("error", reply["status"]);
        Assert.Empty(h.State.Workers);
        Assert.Contains(res, c => c is CloseWorkerStream);
    }

    [Fact]
    public void Cancel_releases_the_key_and_its_dependents_for_that_client()
    {
        var h = new Harness();
        h.AddWorker(W1);
        h.AddClient(C);
        h.Submit(C, [("a", []), ("b", ["a"])], ["a", "b"]);
        var (_, cmds) = h.Rpc("cancel", new MsgMap().Add("keys", new object?[] { "a" }).Add("client", C).Add("force", false));
        var cancelled = ToClient(cmds, C, "cancelled-key").Select(m => TaskKeys.FromWire(m["key"])!).Order().ToArray();
        Assert.Equal(["a", "b"], cancelled);
        Assert.Empty(h.State.Tasks);
    }

    [Fact]
    public void Identity_lists_workers_with_their_status()
    {
        var h = new Harness();
        h.AddWorker(W1);
        var (_, cmds) = h.Rpc("identity");
        var identity = Assert.IsType<MsgMap>(Assert.Single(cmds.OfType<Reply>()).Written());
        var w = Assert.IsType<MsgMap>(Assert.IsType<MsgMap>(identity["workers"])[W1]);
        Assert.Equal("running", w["status"]);
        Assert.Equal(1L, w["nthreads"]);
    }

    [Fact]
    public void Versions_mirror_the_packages_a_worker_registered_with()
    {
        var h = new Harness();
        var (_, empty) = h.Rpc("versions");
        Assert.Empty((MsgMap)((MsgMap)Assert.Single(empty.OfType<Reply>()).Written()!)["packages"]!);
        var versions = new MsgMap().Add("host", new MsgMap().Add("python", "3.11.2.final.0"))
            .Add("packages", new MsgMap().Add("distributed", "2022.12.1+ds.1"));
        h.Send(new WorkerConnected(7, new MsgMap().Add("address", W1).Add("name", W1).Add("nthreads", 1L)
            .Add("nbytes", new MsgMap()).Add("versions", versions)));
        var (_, cmds) = h.Rpc("versions");
        var reply = (MsgMap)Assert.Single(cmds.OfType<Reply>()).Written()!;
        Assert.Equal("2022.12.1+ds.1", ((MsgMap)reply["packages"]!)["distributed"]);
    }

    [Fact]
    public void Worker_logs_are_a_get_logs_broadcast()
    {
        var h = new Harness();
        h.AddWorker(W1);
        var (_, cmds) = h.Rpc("worker_logs", new MsgMap().Add("n", 10L));
        var b = Assert.IsType<BroadcastRpc>(Assert.Single(cmds));
        Assert.Equal("get_logs", Wire(b.Message!)["op"]);
        Assert.Equal([(W1, W1)], b.Targets);
    }

    [Fact]
    public void A_duplicate_worker_name_is_refused()
    {
        var h = new Harness();
        h.AddWorker(W1);
        var msg = new MsgMap().Add("address", W2).Add("name", W1).Add("nthreads", 1L).Add("nbytes", new MsgMap());
        var reg = Assert.IsType<WorkerRegistration>(Assert.Single(h.Send(new WorkerConnected(5, msg))));
        Assert.False(reg.Accepted);
        Assert.Contains("name taken", (string)Wire(reg.Reply)["message"]!);
    }
}
