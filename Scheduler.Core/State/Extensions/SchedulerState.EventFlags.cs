using Scheduler.Core.Messages;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// distributed.Event (EventExtension): a flag per name plus the requests waiting for it to be set. A name is
// forgotten when its flag is clear and nobody waits (the default flag is false), so unused names do not pile up.
public sealed partial class SchedulerState
{
    private sealed class EventState
    {
        public bool IsSet { get; set; }
        /// <summary>Waiting event_wait requests: reply id -> deadline handle.</summary>
        public Dictionary<long, long> Waiters { get; } = [];
    }

    private readonly Dictionary<object, EventState> _eventFlags = NameDictionary<EventState>();

    /// <summary>Names with state (set, or waited on), for tests.</summary>
    public int KnownEvents => _eventFlags.Count;

    private void EventWait(RpcRequest r)
    {
        var wait = (EventWaitRequest)r.Message;
        var name = NameKey(wait.Name);
        if (_eventFlags.TryGetValue(name, out var ev) && ev.IsSet)
        {
            Answer(r, true);
            return;
        }
        var timeout = wait.Timeout;
        if (timeout is <= 0)
        {
            Answer(r, false);
            return;
        }
        if (ev == null) _eventFlags[name] = ev = new EventState();
        long replyId = r.ReplyId;
        long deadline = timeout is { } t
            ? AddDeadline(Now + t, () =>
            {
                ev.Waiters.Remove(replyId);
                Answer(replyId, false);
                if (!ev.IsSet && ev.Waiters.Count == 0) _eventFlags.Remove(name);
            })
            : 0;
        ev.Waiters[replyId] = deadline;
    }

    private void EventSet(object? rawName)
    {
        var name = NameKey(rawName);
        if (!_eventFlags.TryGetValue(name, out var ev)) _eventFlags[name] = ev = new EventState();
        ev.IsSet = true;
        foreach (var (replyId, deadline) in ev.Waiters)
        {
            CancelDeadline(deadline);
            Answer(replyId, true);
        }
        ev.Waiters.Clear();
    }

    private void EventClear(object? rawName)
    {
        var name = NameKey(rawName);
        if (!_eventFlags.TryGetValue(name, out var ev)) return;
        if (ev.Waiters.Count == 0) _eventFlags.Remove(name);
        else ev.IsSet = false;
    }

    private bool EventIsSet(object? rawName) => _eventFlags.TryGetValue(NameKey(rawName), out var ev) && ev.IsSet;
}
