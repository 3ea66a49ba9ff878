using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;
using Scheduler.Core.State;
using static Scheduler.Tests.State.Harness;

namespace Scheduler.Tests.State;

/// <summary>The event log: what the scheduler logs under which topics, read back by the events RPC and pushed to the
/// clients subscribed to a topic.</summary>
public class EventLogTests
{
    private const string W1 = "tcp://127.0.0.1:1001", W2 = "tcp://127.0.0.1:1002", C = "Client-1";

    private static IReadOnlyList<LoggedEvent> Events(Harness h, string topic)
    {
        var (id, cmds) = h.Rpc("events", new MsgMap().Add("topic", topic));
        var reply = Assert.IsType<TopicEventsReply>(Assert.Single(cmds.OfType<Reply>(), r => r.ReplyId == id).Value);
        return reply.Events.Select(e => e.Event).ToList();
    }

    private static IEnumerable<TopicEvent> Pushed(IEnumerable<Command> cmds, string client) =>
        cmds.OfType<ToClient>().Where(c => c.Client == client).Select(c => c.Message).OfType<TopicEvent>();

    [Fact]
    public void A_worker_joining_changing_status_and_leaving_is_logged_under_its_topic_and_all()
    {
        var h = new Harness();
        h.AddWorker(W1);
        h.Rpc("unregister", new MsgMap().Add("address", W1));
        Assert.Equal(new LoggedEvent[]
        {
            new WorkerAdded(W1, UnderOwnTopic: true), new WorkerStatusChange("init", "running"), new WorkerRemoved(W1, UnderOwnTopic: true),
        }, Events(h, W1));
        Assert.Equal(new LoggedEvent[] { new WorkerAdded(W1, UnderOwnTopic: false), new WorkerRemoved(W1, UnderOwnTopic: false) },
            Events(h, "all"));
        Assert.Empty(Events(h, "never-logged"));
    }

    [Fact]
    public void Every_topics_events_come_in_the_order_the_topics_were_first_logged_to()
    {
        var h = new Harness();
        h.AddWorker(W1);
        var (id, cmds) = h.Rpc("events");
        var all = Assert.IsType<AllEventsReply>(Assert.Single(cmds.OfType<Reply>(), r => r.ReplyId == id).Value);
        Assert.Equal([W1, "all"], all.Topics.Select(t => t.Topic));
        var times = all.Topics[0].Events.Select(e => e.Time).ToList();
        Assert.Equal(2, times.Count);
        Assert.True(times[0] < times[1] && times[1] < h.State.Now, string.Join(", ", times));
    }

    [Fact]
    public void A_subscribed_client_is_pushed_the_topics_events_and_sees_a_workers_payload_with_the_worker_named()
    {
        var h = new Harness();
        h.AddWorker(W1);
        h.AddClient(C);
        h.Send(new ClientStreamOp(C, "subscribe-topic", new MsgMap().Add("op", "subscribe-topic").Add("topic", "memory")));
        var payload = new MsgMap().Add("action", "spill").Add("bytes", 10L);
        var cmds = h.Send(new WorkerStreamOp(W1, "log-event", new MsgMap().Add("op", "log-event").Add("topic", "memory").Add("msg", payload)));

        var pushed = Assert.Single(Pushed(cmds, C));
        Assert.Equal(("memory", new WorkerPeerEvent(payload, W1)), (pushed.Topic, pushed.Event));
        var written = (MsgMap)((object?[])Wire(Assert.Single(cmds.OfType<ToClient>()))!["event"]!)[1]!;
        Assert.Equal(["action", "bytes", "worker"], written.Select(p => (string)p.Key!));
        Assert.Equal(W1, written["worker"]);
        Assert.Equal(["action", "bytes"], payload.Select(p => (string)p.Key!)); // the map received is not changed
        Assert.Equal([new WorkerPeerEvent(payload, W1)], Events(h, "memory"));
    }

    [Fact]
    public void A_peers_log_event_is_kept_as_it_came_and_a_client_not_subscribed_is_sent_nothing()
    {
        var h = new Harness();
        h.AddClient(C);
        var payload = new MsgMap().Add("hello", "world");
        var (_, cmds) = h.Rpc("log_event", new MsgMap().Add("topic", "my-topic").Add("msg", payload));
        Assert.Empty(Pushed(cmds, C));
        var logged = Assert.IsType<PeerEvent>(Assert.Single(Events(h, "my-topic")));
        Assert.Same(payload, logged.Payload);
    }

    [Fact]
    public void A_scatter_is_logged_under_the_client_and_all()
    {
        var h = new Harness();
        h.AddWorker(W1);
        h.AddClient(C);
        var (id, _) = h.Rpc("scatter", new MsgMap().Add("data", new MsgMap().Add("x", 1L).Add("y", 2L)).Add("client", C));
        h.Send(new DataPushed(id, C, ["x", "y"], new Dictionary<string, List<string>> { ["x"] = [W1], ["y"] = [W1] },
            new Dictionary<string, long> { ["x"] = 8, ["y"] = 8 }, null));
        Assert.Equal([new DataScattered(C, 2)], Events(h, C));
        Assert.Equal(new DataScattered(C, 2), Events(h, "all")[^1]);
    }

    [Fact]
    public void A_retirement_logs_the_identities_of_the_workers_retired_and_each_is_told_under_its_topic()
    {
        var h = new Harness();
        h.AddWorker(W1);
        h.AddWorker(W2);
        var (id, cmds) = h.Rpc("retire_workers", new MsgMap().Add("workers", new object?[] { W1 }));
        var reply = Assert.IsType<RetiredWorkers>(Assert.Single(cmds.OfType<Reply>(), r => r.ReplyId == id).Value);
        var retired = Assert.Single(reply.Workers);
        Assert.Equal((W1, "closing_gracefully", 1L), (retired.Address, retired.Status, retired.NThreads));
        var logged = Assert.IsType<WorkersRetired>(Events(h, "all")[^1]);
        Assert.Same(retired, Assert.Single(logged.Workers));
        Assert.Same(WorkerRetired.Instance, Events(h, W1)[^1]);
        Assert.DoesNotContain(WorkerRetired.Instance, Events(h, W2));
    }
}
