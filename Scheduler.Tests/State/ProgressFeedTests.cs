using Scheduler.Core.Diagnostics;
using Scheduler.Core.Protocol;
using Scheduler.Core.State;
using static Scheduler.Tests.State.Harness;

namespace Scheduler.Tests.State;

/// <summary>The native Progress / MultiProgress plugin behind progress-bar feeds, driven through the state machine.</summary>
public class ProgressFeedTests
{
    private const string W = "tcp://127.0.0.1:1001", C = "Client-1";
    private long _replyId = 100;

    private MsgMap? Poll(Harness h, long feed, ProgressFeedSpec? spec = null)
    {
        long id = ++_replyId;
        var cmds = h.Send(new ProgressFeedPoll(id, feed, spec));
        return Assert.Single(cmds.OfType<Reply>(), r => r.ReplyId == id).Written() as MsgMap;
    }

    private static Harness Chain()
    {
        var h = new Harness();
        h.AddWorker(W, nthreads: 4);
        h.AddClient(C);
        h.Submit(C, [("inc-1", []), ("inc-2", []), ("double-1", ["inc-1"]), ("sum-1", ["double-1", "inc-2"])], ["sum-1"]);
        return h;
    }

    [Fact]
    public void Counts_all_dependencies_and_finishes_when_the_last_one_is_in_memory()
    {
        var h = Chain();
        var first = Poll(h, 1, new ProgressFeedSpec(false, ["sum-1"], Complete: true, Interval: 0.1))!;
        Assert.Equal(4L, first["all"]);
        Assert.Equal(4L, first["remaining"]);
        Assert.Null(first["status"]);
        h.Finish(W, "inc-1");
        h.Finish(W, "inc-2");
        Assert.Equal(2L, Poll(h, 1)!["remaining"]);
        h.Finish(W, "double-1");
        h.Finish(W, "sum-1");
        var last = Poll(h, 1)!;
        Assert.Equal(0L, last["remaining"]);
        Assert.Equal("finished", last["status"]);
        Assert.False(last.ContainsKey("exception"));
    }

    [Fact]
    public void Without_complete_tasks_already_in_memory_are_left_out()
    {
        var h = Chain();
        h.Finish(W, "inc-1");
        h.Finish(W, "inc-2");
        var reply = Poll(h, 1, new ProgressFeedSpec(false, ["sum-1"], Complete: false, Interval: 0.1))!;
        Assert.Equal(2L, reply["all"]); // double-1 and sum-1
        Assert.Equal(2L, reply["remaining"]);
    }

    [Fact]
    public void Multi_counts_per_key_prefix()
    {
        var h = Chain();
        var reply = Poll(h, 1, new ProgressFeedSpec(true, ["sum-1"], Complete: true, Interval: 0.1))!;
        var all = Assert.IsType<MsgMap>(reply["all"]);
        Assert.Equal(2L, all["inc"]);
        Assert.Equal(1L, all["double"]);
        Assert.Equal(1L, all["sum"]);
        h.Finish(W, "inc-1");
        var left = Assert.IsType<MsgMap>(Poll(h, 1)!["remaining"]);
        Assert.Equal(1L, left["inc"]);
        Assert.Equal(1L, left["sum"]);
    }

    [Fact]
    public void An_erred_task_stops_the_bar_with_its_exception_and_key()
    {
        var h = Chain();
        Poll(h, 1, new ProgressFeedSpec(false, ["sum-1"], Complete: true, Interval: 0.1));
        h.Err(W, "inc-2");
        var reply = Poll(h, 1)!;
        Assert.Equal("error", reply["status"]);
        Assert.Equal("inc-2", reply["key"]);
        Assert.Equal(new byte[] { 9 }, reply["exception"]);
        // Stopped: later transitions do not change it.
        h.Finish(W, "inc-1");
        Assert.Equal(4L, Poll(h, 1)!["remaining"]);
    }

    [Fact]
    public void A_cancelled_task_stops_the_bar_with_an_error()
    {
        var h = Chain();
        Poll(h, 1, new ProgressFeedSpec(false, ["sum-1"], Complete: true, Interval: 0.1));
        h.Rpc("cancel", new MsgMap().Add("client", C).Add("keys", new object?[] { "sum-1" }).Add("force", true));
        var reply = Poll(h, 1)!;
        Assert.Equal("error", reply["status"]);
        Assert.Equal("sum-1", reply["key"]);
    }

    [Fact]
    public void Waits_without_replying_until_every_watched_key_exists_and_forgets_the_feed_when_closed()
    {
        var h = new Harness();
        h.AddWorker(W);
        h.AddClient(C);
        Assert.Null(Poll(h, 7, new ProgressFeedSpec(false, ["later-1"], Complete: true, Interval: 0.1)));
        Assert.Null(Poll(h, 7));
        h.Submit(C, [("later-1", [])], ["later-1"]);
        Assert.Equal(1L, Poll(h, 7)!["remaining"]);
        Assert.Equal(1, h.State.ProgressFeedCount);
        h.Send(new ProgressFeedClosed(7));
        Assert.Equal(0, h.State.ProgressFeedCount);
        h.Finish(W, "later-1"); // no tracker left to tell: nothing breaks
        Assert.Null(Poll(h, 7)); // an unknown feed without a spec gets no reply
    }

    [Fact]
    public void A_bar_over_finished_work_is_finished_at_once()
    {
        var h = Chain();
        foreach (var k in new[] { "inc-1", "inc-2", "double-1", "sum-1" }) h.Finish(W, k);
        var reply = Poll(h, 1, new ProgressFeedSpec(false, ["sum-1"], Complete: false, Interval: 0.1))!;
        Assert.Equal("finished", reply["status"]);
        Assert.Equal(1L, reply["all"]);
        Assert.Equal(0L, reply["remaining"]);
    }
}
