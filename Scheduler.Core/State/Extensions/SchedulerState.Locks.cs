using Microsoft.Extensions.Logging;
using Scheduler.Core.Messages;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// distributed.Lock (LockExtension): one holder id per lock name, and a FIFO of acquirers waiting for it.
// A release hands the lock straight to the first waiter (Python wakes it and it retakes the free lock).
public sealed partial class SchedulerState
{
    /// <summary>A request waiting for a lock or a semaphore lease: its reply, who asks (lock id, lease id), its deadline.</summary>
    private sealed class Acquirer(long replyId, object? id)
    {
        public long ReplyId { get; } = replyId;
        public object? Id { get; } = id;
        public long Deadline { get; set; }
    }

    private sealed class LockState
    {
        public bool Held { get; set; }
        /// <summary>The holder's id (any msgpack value, None included).</summary>
        public object? Holder { get; set; }
        public LinkedList<Acquirer> Waiters { get; } = new();
    }

    private readonly Dictionary<object, LockState> _locks = NameDictionary<LockState>();

    /// <summary>Lock holders by name, for tests.</summary>
    public IReadOnlyDictionary<object, object?> LockHolders => _locks.Where(p => p.Value.Held).ToDictionary(p => p.Key, p => p.Value.Holder, MsgValueComparer.Instance);

    /// <summary>lock_acquire: true at once when free; otherwise waits, false when the timeout passes first.</summary>
    private void LockAcquire(RpcRequest r)
    {
        var acquire = (LockAcquireRequest)r.Message;
        var name = NameKey(acquire.Name);
        var id = acquire.Id;
        var timeout = acquire.Timeout;
        if (!_locks.TryGetValue(name, out var lk)) _locks[name] = lk = new LockState();
        if (lk.Waiters.Count == 0 && !lk.Held)
        {
            lk.Held = true;
            lk.Holder = id;
            Answer(r, true);
            return;
        }
        if (timeout is <= 0)
        {
            DropIfIdle(name, lk);
            Answer(r, false);
            return;
        }
        var waiter = new Acquirer(r.ReplyId, id);
        var node = lk.Waiters.AddLast(waiter);
        if (timeout is { } t)
            waiter.Deadline = AddDeadline(Now + t, () =>
            {
                lk.Waiters.Remove(node);
                Answer(waiter.ReplyId, false);
                DropIfIdle(name, lk);
            });
    }

    /// <summary>lock_release: only the holder may release (ValueError otherwise, as in Python).</summary>
    private object? LockRelease(object? rawName, object? id)
    {
        var name = NameKey(rawName);
        if (!_locks.TryGetValue(name, out var lk) || !lk.Held || !MsgValueComparer.Instance.Equals(lk.Holder, id))
        {
            _log.LogInformation("lock_release of {Name} by {Id}, which does not hold it", MsgDebug.Format(rawName), MsgDebug.Format(id));
            return new ErrorReply("ValueError: This lock has not yet been acquired");
        }
        lk.Held = false;
        lk.Holder = null;
        if (lk.Waiters.First is { } first)
        {
            lk.Waiters.RemoveFirst();
            var w = first.Value;
            CancelDeadline(w.Deadline);
            lk.Held = true;
            lk.Holder = w.Id;
            Answer(w.ReplyId, true);
        }
        else
        {
            _locks.Remove(name);
        }
        return null;
    }

    private void DropIfIdle(object name, LockState lk)
    {
        if (!lk.Held && lk.Waiters.Count == 0) _locks.Remove(name);
    }
}
