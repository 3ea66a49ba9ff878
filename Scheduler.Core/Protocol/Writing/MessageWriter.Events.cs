using Scheduler.Core.Messages.Outgoing;

namespace Scheduler.Core.Protocol.Writing;

// The event log's entries, as Dask's log_event holds them: an event push and the events RPC write them alike.
public abstract partial class MessageWriter
{
    /// <summary>An entry of the event log: the scheduler's own is {action, its fields}, a peer's is its payload.</summary>
    public object? Write(LoggedEvent e) => Event(e);

    private object? Event(LoggedEvent e) => e switch
    {
        PeerEvent p => p.Payload,
        WorkerPeerEvent w => WithWorker(w),
        WorkerAdded a => a.UnderOwnTopic ? Action("add-worker") : Action("add-worker").Add("worker", a.Worker),
        WorkerRemoved r => r.UnderOwnTopic ? Action("remove-worker") : Action("remove-worker").Add("worker", r.Worker),
        WorkerStatusChange s => Action("worker-status-change").Add("prev-status", s.PreviousStatus).Add("status", s.Status),
        Replicated r => Action("replicate").Add("workers", r.Workers).Add("key-count", r.KeyCount),
        RebalanceIdle i => Action("rebalance").Add("senders", i.Senders).Add("recipients", i.Recipients).Add("moved_keys", 0L),
        RebalanceReceived r => Action("rebalance").Add("who_has", WhoHas(r.WhoHas)),
        Rebalanced r => Action("rebalance").Add("moved_keys", r.MovedKeys),
        StealConfirmed s => Action("confirm").Add("key", Key(s.Key)).Add("victim", s.Victim).Add("thief", s.Thief)
            .Add("stimulus_id", s.StimulusId),
        ClusterRestarted r => Action("restart").Add("client", r.Client),
        WorkersRestarted r => r.UnderClientTopic
            ? Action("restart-workers").Add("workers", Addresses(r.Workers))
            : Action("restart-workers").Add("workers", Addresses(r.Workers)).Add("client", r.Client),
        WorkersRetired r => Action("retire-workers").Add("workers", IdentitiesByAddress(r.Workers)),
        WorkerRetired => Action("retired"),
        DataScattered d => Action("scatter").Add("client", d.Client).Add("count", d.Count),
        _ => throw Unwritable(e),
    };

    private static MsgMap Action(string action) => new MsgMap().Add("action", action);

    /// <summary>A copy: the worker's map stays as it came, for every connection that writes the entry.</summary>
    private static object? WithWorker(WorkerPeerEvent w)
    {
        if (w.Payload is not MsgMap payload) return w.Payload;
        var map = payload.Copy();
        map.Set("worker", w.Worker);
        return map;
    }

    /// <summary>Dask's (time, msg) pairs, oldest first.</summary>
    private object?[] Events(IReadOnlyList<TimedEvent> events)
    {
        var wire = new object?[events.Count];
        for (int i = 0; i < wire.Length; i++) wire[i] = new object?[] { events[i].Time, Event(events[i].Event) };
        return wire;
    }

    private MsgMap AllEvents(IReadOnlyList<TopicLog> topics)
    {
        var map = new MsgMap(topics.Count);
        foreach (var t in topics) map.Add(t.Topic, Events(t.Events));
        return map;
    }
}
