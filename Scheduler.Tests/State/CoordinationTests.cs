using Scheduler.Core.Config;
using Scheduler.Core.Protocol;
using Scheduler.Core.State;
using static Scheduler.Tests.State.Harness;

namespace Scheduler.Tests.State;

/// <summary>Coordination primitives at the stimulus level: waiters answered later, deadlines, bad input, held keys.</summary>
public class CoordinationTests
{
    private const string W1 = "tcp://127.0.0.1:1001", C = "Client-1";

    private static IEnumerable<Reply> Replies(IEnumerable<Command> cmds, long id) => cmds.OfType<Reply>().Where(r => r.ReplyId == id);

    private static object? ReplyOf(IEnumerable<Command> cmds, long id) => Assert.Single(Replies(cmds, id)).Written();

    private static bool IsError(object? value, string startsWith) =>
        value is MsgMap m && m["status"] as string == "uncaught-error" && (m["exception_text"] as string ?? "").StartsWith(startsWith, StringComparison.Ordinal);

    private static MsgMap Args(params (string, object?)[] pairs)
    {
        var m = new MsgMap();
        foreach (var (k, v) in pairs) m.Add(k, v);
        return m;
    }

    [Fact]
    public void A_contended_lock_goes_to_the_waiter_on_release()
    {
        var h = new Harness();
        var (a, c1) = h.Rpc("lock_acquire", Args(("name", "L"), ("id", "A"), ("timeout", null)));
        Assert.Equal(true, ReplyOf(c1, a));
        var (b, c2) = h.Rpc("lock_acquire", Args(("name", "L"), ("id", "B"), ("timeout", null)));
        Assert.Empty(Replies(c2, b));
        // Release by a non-holder is a ValueError; nothing changes.
        var (bad, c3) = h.Rpc("lock_release", Args(("name", "L"), ("id", "B")));
        Assert.True(IsError(ReplyOf(c3, bad), "ValueError"));
        var (rel, c4) = h.Rpc("lock_release", Args(("name", "L"), ("id", "A")));
        Assert.Null(ReplyOf(c4, rel));
        Assert.Equal(true, ReplyOf(c4, b));
        Assert.Equal("B", h.State.LockHolders["L"]);
    }

    [Fact]
    public void A_lock_waiter_times_out_through_a_wakeup()
    {
        var h = new Harness();
        h.Rpc("lock_acquire", Args(("name", "L"), ("id", "A"), ("timeout", null)));
        var (b, c) = h.Rpc("lock_acquire", Args(("name", "L"), ("id", "B"), ("timeout", 0.2)));
        var wake = Assert.Single(c.OfType<WakeupAt>());
        Assert.Empty(Replies(c, b));
        // Too early (a timer may fire a hair early): nothing yet, and the wakeup is asked for again.
        var early = h.Send(new Wakeup(), advance: 0.1);
        Assert.Empty(Replies(early, b));
        Assert.Equal(wake.At, Assert.Single(early.OfType<WakeupAt>()).At);
        var late = h.Send(new Wakeup(), advance: 0.15);
        Assert.Equal(false, ReplyOf(late, b));
        Assert.Equal(0, h.State.PendingDeadlines);
        // Zero timeout on a held lock: false at once.
        var (z, cz) = h.Rpc("lock_acquire", Args(("name", "L"), ("id", "C"), ("timeout", 0L)));
        Assert.Equal(false, ReplyOf(cz, z));
        Assert.True(wake.At > 0);
    }

    [Fact]
    public void Only_the_earliest_deadline_asks_for_a_wakeup()
    {
        var h = new Harness();
        h.Rpc("event_set", Args(("name", "other")));
        var (_, c1) = h.Rpc("event_wait", Args(("name", "E"), ("timeout", 5.0)));
        Assert.Single(c1.OfType<WakeupAt>());
        var (_, c2) = h.Rpc("event_wait", Args(("name", "E"), ("timeout", 10.0)));
        Assert.Empty(c2.OfType<WakeupAt>());
        var (_, c3) = h.Rpc("event_wait", Args(("name", "E"), ("timeout", 1.0)));
        Assert.Single(c3.OfType<WakeupAt>());
    }

    [Fact]
    public void Event_wait_is_answered_by_set_and_times_out_otherwise()
    {
        var h = new Harness();
        var (w1, c1) = h.Rpc("event_wait", Args(("name", "E"), ("timeout", null)));
        var (w2, _) = h.Rpc("event_wait", Args(("name", "E"), ("timeout", 1.0)));
        Assert.Empty(Replies(c1, w1));
        var set = h.Rpc("event_set", Args(("name", "E"))).Commands;
        Assert.Equal(true, ReplyOf(set, w1));
        Assert.Equal(true, ReplyOf(set, w2));
        Assert.Equal(0, h.State.PendingDeadlines);
        var (isSet, c2) = h.Rpc("event_is_set", Args(("name", "E")));
        Assert.Equal(true, ReplyOf(c2, isSet));
        h.Rpc("event_clear", Args(("name", "E")));
        Assert.Equal(0, h.State.KnownEvents);
        var (w3, _) = h.Rpc("event_wait", Args(("name", "E"), ("timeout", 0.5)));
        Assert.Equal(false, ReplyOf(h.Send(new Tick(), advance: 0.6), w3));
        Assert.Equal(0, h.State.KnownEvents);
    }

    [Fact]
    public void Semaphore_leases_wait_release_and_expire_without_refresh()
    {
        var h = new Harness(new SchedulerConfig { LeaseTimeout = 1, LeaseValidationInterval = 0.5 });
        h.Rpc("semaphore_register", Args(("name", "S"), ("max_leases", 1L)));
        var (a, ca) = h.Rpc("semaphore_acquire", Args(("name", "S"), ("timeout", null), ("lease_id", "l1")));
        Assert.Equal(true, ReplyOf(ca, a));
        var (b, cb) = h.Rpc("semaphore_acquire", Args(("name", "S"), ("timeout", null), ("lease_id", "l2")));
        Assert.Empty(Replies(cb, b));
        var (v, cv) = h.Rpc("semaphore_value", Args(("name", "S")));
        Assert.Equal(1L, ReplyOf(cv, v));
        // l1 is refreshed for a while, then its holder goes silent: the lease expires and l2 gets it.
        h.Rpc("semaphore_refresh_leases", Args(("name", "S"), ("lease_ids", new object?[] { "l1" })));
        Assert.Empty(Replies(h.Send(new Wakeup(), advance: 0.6), b));
        var later = h.Send(new Wakeup(), advance: 1.0);
        Assert.Equal(true, ReplyOf(later, b));
        // Releasing an unknown lease is only logged; an unknown semaphore is a RuntimeError on acquire.
        var (r, cr) = h.Rpc("semaphore_release", Args(("name", "S"), ("lease_id", "l1")));
        Assert.Null(ReplyOf(cr, r));
        var (u, cu) = h.Rpc("semaphore_acquire", Args(("name", "nope"), ("timeout", null), ("lease_id", "x")));
        Assert.True(IsError(ReplyOf(cu, u), "RuntimeError: Semaphore `nope` not known or already closed."));
        var (inc, ci) = h.Rpc("semaphore_register", Args(("name", "S"), ("max_leases", 2L)));
        Assert.True(IsError(ReplyOf(ci, inc), "ValueError: Inconsistent max leases"));
    }

    [Fact]
    public void A_variable_holding_a_future_keeps_its_key_until_tokens_are_back()
    {
        var h = new Harness();
        h.AddWorker(W1);
        h.AddClient(C);
        h.Submit(C, [("x", [])], ["x"]);
        h.Finish(W1, "x");
        var (g, cg) = h.Rpc("variable_get", Args(("name", "v"), ("client", C), ("timeout", null)));
        Assert.Empty(Replies(cg, g));
        var set = h.Rpc("variable_set", Args(("name", "v"), ("key", "x"))).Commands;
        var rec = Assert.IsType<MsgMap>(ReplyOf(set, g));
        Assert.Equal("Future", rec["type"]);
        Assert.Equal("x", rec["value"]);
        Assert.Equal("memory", rec["state"]);
        var token = Assert.IsType<string>(rec["token"]);
        // The client lets go of its own future: the variable still holds x.
        h.Send(new ClientStreamOp(C, "client-releases-keys", Args(("keys", new object?[] { "x" }))));
        Assert.Equal(TaskStatus.Memory, h.StatusOf("x"));
        // Overwritten by data while the token is out: x stays until the token returns.
        h.Rpc("variable_set", Args(("name", "v"), ("data", 123L)));
        Assert.Equal(TaskStatus.Memory, h.StatusOf("x"));
        var back = h.Send(new ClientStreamOp(C, "variable-future-release", Args(("name", "v"), ("key", "x"), ("token", token))));
        Assert.Equal(TaskStatus.Forgotten, h.StatusOf("x"));
        Assert.Contains(ToWorker(back, W1, "free-keys"), m => ((IList<object?>)m["keys"]!).Contains("x"));
        var (g2, c2) = h.Rpc("variable_get", Args(("name", "v"), ("client", C), ("timeout", null)));
        Assert.Equal(123L, Assert.IsType<MsgMap>(ReplyOf(c2, g2))["value"]);
        h.Send(new ClientStreamOp(C, "variable_delete", Args(("name", "v"))));
        var (g3, _) = h.Rpc("variable_get", Args(("name", "v"), ("client", C), ("timeout", 0.1)));
        Assert.True(IsError(ReplyOf(h.Send(new Wakeup(), advance: 0.2), g3), "TimeoutError"));
        Assert.DoesNotContain("variable-v", h.State.Clients.Keys);
    }

    [Fact]
    public void A_queue_holds_futures_and_serves_waiting_getters_in_order()
    {
        var h = new Harness();
        h.AddWorker(W1);
        h.AddClient(C);
        h.Submit(C, [("x", [])], ["x"]);
        h.Finish(W1, "x");
        h.Rpc("queue_create", Args(("name", "q"), ("maxsize", 1L)));
        var (g, cg) = h.Rpc("queue_get", Args(("name", "q"), ("timeout", null), ("batch", false)));
        Assert.Empty(Replies(cg, g));
        var (p1, c1) = h.Rpc("queue_put", Args(("name", "q"), ("key", "x"), ("timeout", null)));
        Assert.Null(ReplyOf(c1, p1));
        var rec = Assert.IsType<MsgMap>(ReplyOf(c1, g));
        Assert.Equal("Future", rec["type"]);
        Assert.Equal("memory", rec["state"]);
        h.Send(new ClientStreamOp(C, "client-releases-keys", Args(("keys", new object?[] { "x" }))));
        Assert.Equal(TaskStatus.Memory, h.StatusOf("x")); // the queue's pseudo-client still holds it
        h.Send(new ClientStreamOp(C, "queue-future-release", Args(("name", "q"), ("key", "x"))));
        Assert.Equal(TaskStatus.Forgotten, h.StatusOf("x"));
        // maxsize 1: the second put waits until a get makes room.
        h.Rpc("queue_put", Args(("name", "q"), ("data", 1L), ("timeout", null)));
        var (p3, c3) = h.Rpc("queue_put", Args(("name", "q"), ("data", 2L), ("timeout", null)));
        Assert.Empty(Replies(c3, p3));
        var (qs, cq) = h.Rpc("queue_qsize", Args(("name", "q")));
        Assert.Equal(1L, ReplyOf(cq, qs));
        var (g2, c4) = h.Rpc("queue_get", Args(("name", "q"), ("timeout", null), ("batch", false)));
        Assert.Equal(1L, Assert.IsType<MsgMap>(ReplyOf(c4, g2))["value"]);
        Assert.Null(ReplyOf(c4, p3));
        var (gb, c5) = h.Rpc("queue_get", Args(("name", "q"), ("timeout", null), ("batch", true)));
        var all = Assert.IsType<object?[]>(ReplyOf(c5, gb));
        Assert.Equal(2L, Assert.IsType<MsgMap>(Assert.Single(all))["value"]);
        var (gt, _) = h.Rpc("queue_get", Args(("name", "q"), ("timeout", 0.1), ("batch", false)));
        Assert.True(IsError(ReplyOf(h.Send(new Wakeup(), advance: 0.2), gt), "TimeoutError"));
        var (unk, cu) = h.Rpc("queue_qsize", Args(("name", "nope")));
        Assert.True(IsError(ReplyOf(cu, unk), "KeyError"));
    }

    [Fact]
    public void Published_datasets_hold_keys_until_deleted()
    {
        var h = new Harness();
        h.AddWorker(W1);
        h.AddClient(C);
        h.Submit(C, [("x", [])], ["x"]);
        h.Finish(W1, "x");
        var data = new byte[] { 1, 2, 3 };
        var (p, cp) = h.Rpc("publish_put", Args(("keys", new object?[] { "x" }), ("name", "ds"), ("data", data), ("override", false), ("client", C)));
        Assert.Equal("OK", Assert.IsType<MsgMap>(ReplyOf(cp, p))["status"]);
        var (dup, cd) = h.Rpc("publish_put", Args(("keys", new object?[] { "x" }), ("name", "ds"), ("data", data), ("override", false), ("client", C)));
        Assert.True(IsError(ReplyOf(cd, dup), "KeyError: Dataset ds already exists"));
        h.Send(new ClientStreamOp(C, "client-releases-keys", Args(("keys", new object?[] { "x" }))));
        Assert.Equal(TaskStatus.Memory, h.StatusOf("x"));
        var (l, cl) = h.Rpc("publish_list");
        Assert.Equal(new object?[] { "ds" }, ReplyOf(cl, l));
        var (g, cg) = h.Rpc("publish_get", Args(("name", "ds"), ("client", C)));
        Assert.Same(data, Assert.IsType<MsgMap>(ReplyOf(cg, g))["data"]);
        h.Rpc("publish_delete", Args(("name", "ds")));
        Assert.Equal(TaskStatus.Forgotten, h.StatusOf("x"));
        var (g2, c2) = h.Rpc("publish_get", Args(("name", "ds"), ("client", C)));
        Assert.Null(ReplyOf(c2, g2));
    }

    [Fact]
    public void A_future_alias_never_becomes_a_spec_when_publish_put_overtakes_the_graph()
    {
        const string C2 = "Client-2";
        var h = new Harness();
        h.AddWorker(W1);
        h.AddClient(C);
        h.AddClient(C2);
        // The RPC arrives before the stream's graph defining k: k is a placeholder without a spec.
        h.Rpc("publish_put", Args(("keys", new object?[] { "k" }), ("name", "ds"), ("data", new byte[] { 1 }), ("override", false), ("client", C)));
        // Another client computes on the dataset: k is only an alias of the future (it depends on itself).
        var early = h.Submit(C2, [("k", ["k"]), ("fin", ["k"])], ["fin"]);
        Assert.Empty(ComputeTasks(early));
        var defined = h.Submit(C, [("k", [])], ["k"]);
        Assert.Equal("k", Assert.Single(ComputeTasks(defined)).Msg["key"]);
        Assert.Equal(Spec()["function"], Assert.Single(ComputeTasks(defined)).Msg["function"]);
        var done = h.Finish(W1, "k");
        Assert.Equal("fin", Assert.Single(ComputeTasks(done)).Msg["key"]);
    }

    [Fact]
    public void Pubsub_relays_between_clients_and_workers()
    {
        const string W2 = "tcp://127.0.0.1:1002";
        var h = new Harness();
        h.AddWorker(W1);
        h.AddWorker(W2);
        h.AddClient(C);
        h.Send(new WorkerStreamOp(W2, "pubsub-add-subscriber", Args(("name", "t"))));
        var (p, cp) = h.Rpc("pubsub_add_publisher", Args(("name", "t"), ("worker", W1)));
        var info = Assert.IsType<MsgMap>(ReplyOf(cp, p));
        Assert.True(Assert.IsType<MsgMap>(info["subscribers"]).ContainsKey(W2));
        Assert.Equal(false, info["publish-scheduler"]);
        var sub = h.Send(new ClientStreamOp(C, "pubsub-add-subscriber", Args(("name", "t"))));
        Assert.Equal(true, Assert.Single(ToWorker(sub, W1, "pubsub-publish-scheduler"))["publish"]);
        var payload = new byte[] { 7 };
        var fromWorker = h.Send(new WorkerStreamOp(W1, "pubsub-msg", Args(("name", "t"), ("msg", payload))));
        Assert.Same(payload, Assert.Single(ToClient(fromWorker, C, "pubsub-msg"))["msg"]);
        Assert.Empty(ToWorker(fromWorker, W2, "pubsub-msg")); // workers publish to workers directly
        var fromClient = h.Send(new ClientStreamOp(C, "pubsub-msg", Args(("name", "t"), ("msg", payload))));
        Assert.Single(ToWorker(fromClient, W2, "pubsub-msg"));
        Assert.Single(ToClient(fromClient, C, "pubsub-msg"));
        var unsub = h.Send(new ClientStreamOp(C, "pubsub-remove-subscriber", Args(("name", "t"))));
        Assert.Equal(false, Assert.Single(ToWorker(unsub, W1, "pubsub-publish-scheduler"))["publish"]);
        // A duplicate unsubscribe (clients send it twice on close) is ignored, and the client stays.
        h.Send(new ClientStreamOp(C, "pubsub-remove-subscriber", Args(("name", "t"))));
        Assert.True(h.State.Clients[C].Connected);
    }

    [Fact]
    public void Metadata_is_a_tree_addressed_by_key_paths()
    {
        var h = new Harness();
        h.Rpc("set_metadata", Args(("keys", new object?[] { "a", "b" }), ("value", 1L)));
        var (g, c) = h.Rpc("get_metadata", Args(("keys", new object?[] { "a", "b" }), ("default", "__no_default__")));
        Assert.Equal(1L, ReplyOf(c, g));
        var (m, cm) = h.Rpc("get_metadata", Args(("keys", new object?[] { "zz" }), ("default", "__no_default__")));
        Assert.True(IsError(ReplyOf(cm, m), "KeyError"));
        var (d, cd) = h.Rpc("get_metadata", Args(("keys", new object?[] { "zz" }), ("default", 5L)));
        Assert.Equal(5L, ReplyOf(cd, d));
    }

    [Fact]
    public void Multi_lock_waiter_gets_its_locks_when_a_holder_releases()
    {
        var h = new Harness();
        var (a, ca) = h.Rpc("multi_lock_acquire", Args(("locks", new object?[] { "x", "y" }), ("id", "A"), ("timeout", null), ("num_locks", 2L)));
        Assert.Equal(true, ReplyOf(ca, a));
        var (b, cb) = h.Rpc("multi_lock_acquire", Args(("locks", new object?[] { "y", "z" }), ("id", "B"), ("timeout", null), ("num_locks", 2L)));
        Assert.Empty(Replies(cb, b));
        var (t, _) = h.Rpc("multi_lock_acquire", Args(("locks", new object?[] { "x" }), ("id", "C"), ("timeout", 0.1), ("num_locks", 1L)));
        Assert.Equal(false, ReplyOf(h.Send(new Wakeup(), advance: 0.2), t));
        var rel = h.Rpc("multi_lock_release", Args(("id", "A"))).Commands;
        Assert.Equal(true, ReplyOf(rel, b));
    }
}
