using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// The structured event log (log_event / events RPCs, log-event from workers, "event" pushes).
public sealed partial class SchedulerState
{
    private const int EventsPerTopic = 100_000;
    private readonly Dictionary<string, Queue<(double Time, object? Msg)>> _events = [];

    private void LogEvent(IEnumerable<string> topics, object? msg)
    {
        foreach (var topic in topics)
        {
            if (!_events.TryGetValue(topic, out var q)) _events[topic] = q = new Queue<(double, object?)>();
            q.Enqueue((Now, msg));
            while (q.Count > EventsPerTopic) q.Dequeue();
            foreach (var cs in Clients.Values)
                if (cs.Topics.Contains(topic))
                    SendToClient(cs, new TopicEvent(topic, Now, msg));
        }
    }

    /// <summary>One topic's events, or every topic's for null.</summary>
    private object? GetEvents(string? topic)
    {
        object?[] Records(Queue<(double Time, object? Msg)> q) =>
            q.Select(e => (object?)new object?[] { e.Time, e.Msg }).ToArray();
        if (topic is { } t) return _events.TryGetValue(t, out var q) ? Records(q) : Array.Empty<object?>();
        var all = new MsgMap();
        foreach (var (name, q) in _events) all.Add(name, Records(q));
        return all;
    }
}
