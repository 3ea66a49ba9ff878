using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;
using Scheduler.Core.Protocol.Dialects;
using Scheduler.Core.State;

namespace Scheduler.Tests.Protocol.Writing;

/// <summary>
/// The event log's entries as both versions read them. Each expected map is built as the state built it before the
/// entries were records (keys through <see cref="TaskKeys.ToWire"/>, whatever the reader's dialect), and compared,
/// framed, with what each dialect's writer makes of the record: alone, in an event push, and in the events RPC.
/// </summary>
public class EventWritingTests
{
    private static readonly DaskDialect[] Dialects = [DaskDialect.Dask2022, DaskDialect.Dask2024];

    /// <summary>Keys of every kind: plain, a tuple, bytes, an int.</summary>
    private static readonly string[] Keys = ["x", "('x', 0)", TaskKeys.FromWire(new byte[] { 0x61, 0xff })!, TaskKeys.IntKey(5)];

    private const string A = "tcp://a:1", B = "tcp://b:2";

    private static void AssertWrittenAsBefore(LoggedEvent e, object? before)
    {
        foreach (var dialect in Dialects)
        {
            var writer = dialect.Writer;
            Assert.Equal(WireBytes.Of(before, dialect), WireBytes.Of(writer.Write(e), dialect));
            Assert.Equal(WireBytes.Of(new MsgMap().Add("op", "event").Add("topic", "all").Add("event", new object?[] { 5.5, before }), dialect),
                WireBytes.Of(writer.Write(new TopicEvent("all", 5.5, e)), dialect));
            Assert.Equal(WireBytes.Of(new object?[] { new object?[] { 5.5, before } }, dialect),
                WireBytes.Of(writer.Write(new TopicEventsReply([new TimedEvent(5.5, e)])), dialect));
        }
    }

    [Fact]
    public void Workers_joining_and_leaving_are_named_except_under_their_own_topic()
    {
        AssertWrittenAsBefore(new WorkerAdded(A, UnderOwnTopic: true), new MsgMap().Add("action", "add-worker"));
        AssertWrittenAsBefore(new WorkerAdded(A, UnderOwnTopic: false), new MsgMap().Add("action", "add-worker").Add("worker", A));
        AssertWrittenAsBefore(new WorkerRemoved(A, UnderOwnTopic: true), new MsgMap().Add("action", "remove-worker"));
        AssertWrittenAsBefore(new WorkerRemoved(A, UnderOwnTopic: false), new MsgMap().Add("action", "remove-worker").Add("worker", A));
        AssertWrittenAsBefore(new WorkerStatusChange("init", "running"),
            new MsgMap().Add("action", "worker-status-change").Add("prev-status", "init").Add("status", "running"));
    }

    [Fact]
    public void Replicate_and_rebalance_count_what_they_did()
    {
        AssertWrittenAsBefore(new Replicated(3, 2), new MsgMap().Add("action", "replicate").Add("workers", 3L).Add("key-count", 2L));
        AssertWrittenAsBefore(new RebalanceIdle(0, 2),
            new MsgMap().Add("action", "rebalance").Add("senders", 0L).Add("recipients", 2L).Add("moved_keys", 0L));
        AssertWrittenAsBefore(new Rebalanced(4), new MsgMap().Add("action", "rebalance").Add("moved_keys", 4L));
    }

    [Fact]
    public void A_rebalance_recipient_learns_each_key_it_received_and_its_sender()
    {
        var whoHas = new MsgMap();
        foreach (var k in Keys) whoHas.Add(TaskKeys.ToWire(k), new object?[] { k == "x" ? B : A });
        AssertWrittenAsBefore(new RebalanceReceived(Keys.Select(k => new KeyHolders(k, [k == "x" ? B : A])).ToList()),
            new MsgMap().Add("action", "rebalance").Add("who_has", whoHas));
    }

    [Fact]
    public void A_confirmed_steal_names_its_key_the_victim_and_the_thief()
    {
        foreach (var key in Keys)
            AssertWrittenAsBefore(new StealConfirmed(key, A, B, "steal-3"), new MsgMap().Add("action", "confirm")
                .Add("key", TaskKeys.ToWire(key)).Add("victim", A).Add("thief", B).Add("stimulus_id", "steal-3"));
    }

    [Fact]
    public void Restarts_and_scatters_name_the_client_even_when_there_is_none()
    {
        AssertWrittenAsBefore(new ClusterRestarted("Client-1"), new MsgMap().Add("action", "restart").Add("client", "Client-1"));
        AssertWrittenAsBefore(new ClusterRestarted(null), new MsgMap().Add("action", "restart").Add("client", null));
        AssertWrittenAsBefore(new DataScattered("Client-1", 3), new MsgMap().Add("action", "scatter").Add("client", "Client-1").Add("count", 3L));
        AssertWrittenAsBefore(new DataScattered(null, 0), new MsgMap().Add("action", "scatter").Add("client", null).Add("count", 0L));
    }

    [Fact]
    public void Restarted_workers_are_listed_and_the_client_named_except_under_its_own_topic()
    {
        var workers = new object?[] { A, B };
        AssertWrittenAsBefore(new WorkersRestarted([A, B], "Client-1", UnderClientTopic: true),
            new MsgMap().Add("action", "restart-workers").Add("workers", workers));
        AssertWrittenAsBefore(new WorkersRestarted([A, B], "Client-1", UnderClientTopic: false),
            new MsgMap().Add("action", "restart-workers").Add("workers", workers).Add("client", "Client-1"));
        AssertWrittenAsBefore(new WorkersRestarted(new List<string> { A }, null, UnderClientTopic: false),
            new MsgMap().Add("action", "restart-workers").Add("workers", new object?[] { A }).Add("client", null));
    }

    [Fact]
    public void Retired_workers_are_logged_with_their_identities_and_each_under_its_topic()
    {
        var (info, identity) = IdentityWritingTests.RegisteredWorker(A);
        AssertWrittenAsBefore(new WorkersRetired([info]),
            new MsgMap().Add("action", "retire-workers").Add("workers", new MsgMap().Add(A, identity)));
        AssertWrittenAsBefore(new WorkersRetired([]), new MsgMap().Add("action", "retire-workers").Add("workers", new MsgMap()));
        AssertWrittenAsBefore(WorkerRetired.Instance, new MsgMap().Add("action", "retired"));
    }

    [Fact]
    public void A_peers_payload_is_written_back_as_it_came()
    {
        var payload = new MsgMap().Add("hello", "world").Add("n", 1L);
        AssertWrittenAsBefore(new PeerEvent(payload), payload);
        AssertWrittenAsBefore(new PeerEvent(null), null);
        AssertWrittenAsBefore(new PeerEvent(new object?[] { "a", 1L }), new object?[] { "a", 1L });
    }

    [Fact]
    public void A_workers_map_gets_the_worker_set_in_a_copy_and_any_other_payload_is_passed_on()
    {
        // Before: the received map itself had the field set (appended, or replaced where it was).
        var sent = new MsgMap().Add("action", "memory").Add("n", 1L);
        var before = new MsgMap().Add("action", "memory").Add("n", 1L).Add("worker", A);
        AssertWrittenAsBefore(new WorkerPeerEvent(sent, A), before);
        Assert.Equal(["action", "n"], WireBytes.Fields(sent));

        var named = new MsgMap().Add("worker", "someone").Add("n", 1L);
        AssertWrittenAsBefore(new WorkerPeerEvent(named, A), new MsgMap().Add("worker", A).Add("n", 1L));
        Assert.Equal("someone", named["worker"]);

        AssertWrittenAsBefore(new WorkerPeerEvent("text", A), "text");
        AssertWrittenAsBefore(new WorkerPeerEvent(null, A), null);
    }

    [Fact]
    public void The_events_of_every_topic_are_a_map_of_topics_to_time_and_event_pairs()
    {
        var logs = new List<TopicLog>
        {
            new(A, [new TimedEvent(1.5, new WorkerAdded(A, UnderOwnTopic: true))]),
            new("all", [new TimedEvent(1.5, new WorkerAdded(A, UnderOwnTopic: false)), new TimedEvent(2.5, new PeerEvent(7L))]),
            new("empty", []),
        };
        var before = new MsgMap()
            .Add(A, new object?[] { new object?[] { 1.5, new MsgMap().Add("action", "add-worker") } })
            .Add("all", new object?[]
            {
                new object?[] { 1.5, new MsgMap().Add("action", "add-worker").Add("worker", A) }, new object?[] { 2.5, 7L },
            })
            .Add("empty", Array.Empty<object?>());
        foreach (var dialect in Dialects)
        {
            Assert.Equal(WireBytes.Of(before, dialect), WireBytes.Of(dialect.Writer.Write(new AllEventsReply(logs)), dialect));
            Assert.Equal(WireBytes.Of(new MsgMap(), dialect), WireBytes.Of(dialect.Writer.Write(new AllEventsReply([])), dialect));
            Assert.Equal(WireBytes.Of(Array.Empty<object?>(), dialect), WireBytes.Of(dialect.Writer.Write(new TopicEventsReply([])), dialect));
        }
    }
}
