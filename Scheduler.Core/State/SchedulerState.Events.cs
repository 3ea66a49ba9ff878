using Scheduler.Core.Messages.Outgoing;

namespace Scheduler.Core.State;

// The structured event log (log_event / events RPCs, log-event from workers, "event" pushes).
public sealed partial class SchedulerState
{
    private const int EventsPerTopic = 100_000;
    private readonly Dictionary<string, Queue<TimedEvent>> _events = [];

    private void LogEvent(IEnumerable<string> topics, LoggedEvent e)
    {
        foreach (var topic in topics)
        {
            if (!_events.TryGetValue(topic, out var q)) _events[topic] = q = new Queue<TimedEvent>();
            q.Enqueue(new TimedEvent(Now, e));
            while (q.Count > EventsPerTopic) q.Dequeue();
            foreach (var cs in Clients.Values)
                if (cs.Topics.Contains(topic))
                    SendToClient(cs, new TopicEvent(topic, Now, e));
        }
    }

    /// <summary>One topic's events, or every topic's for null. The lists are copies: the reply is written as the turn
    /// ends, after whatever else the turn logs.</summary>
    private RpcReply GetEvents(string? topic)
    {
        if (topic is { } t) return new TopicEventsReply(_events.TryGetValue(t, out var q) ? q.ToArray() : []);
        return new AllEventsReply(_events.Select(p => new TopicLog(p.Key, p.Value.ToArray())).ToList());
    }
}
