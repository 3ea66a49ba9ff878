using Microsoft.Extensions.Logging;
using Scheduler.Core.Messages;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// distributed.MultiLock (MultiLockExtension): an acquirer requests several named locks at once and needs
// num_locks of them. Every lock keeps a queue of requesters; the first in a queue holds that lock. A
// requester that reaches the front of enough queues is answered true; on timeout it leaves every queue.
public sealed partial class SchedulerState
{
    private sealed class MultiLockRequest(object id, List<object> locks, long replyId)
    {
        public object Id { get; } = id;
        public HashSet<object> Locks { get; } = new(locks, MsgValueComparer.Instance);
        public int Left { get; set; }
        /// <summary>The pending acquire's reply id; 0 once answered.</summary>
        public long ReplyId { get; set; } = replyId;
        public long Deadline { get; set; }
    }

    /// <summary>Lock name -> requester ids, the first one holding it.</summary>
    private readonly Dictionary<object, List<object>> _multiLocks = NameDictionary<List<object>>();
    private readonly Dictionary<object, MultiLockRequest> _multiLockRequests = NameDictionary<MultiLockRequest>();

    private void MultiLockAcquire(RpcRequest r)
    {
        var acquire = (MultiLockAcquireRequest)r.Message;
        var id = NameKey(acquire.Id);
        var locks = acquire.Locks.Select(NameKey).Distinct(MsgValueComparer.Instance).Cast<object>().ToList();
        int numLocks = (int)(acquire.NumLocks ?? locks.Count);
        if (_multiLockRequests.ContainsKey(id) || numLocks <= 0 || numLocks > locks.Count)
        {
            Answer(r, new ErrorReply("AssertionError: invalid multi_lock_acquire request"));
            return;
        }
        var req = new MultiLockRequest(id, locks, r.ReplyId) { Left = numLocks };
        _multiLockRequests[id] = req;
        // Ask for the least contended locks first (Python sorts by queue length, stably).
        var ordered = locks.OrderBy(l => _multiLocks.TryGetValue(l, out var q) ? q.Count : 0).ToList();
        for (int i = 0; i < ordered.Count; i++)
        {
            if (!_multiLocks.TryGetValue(ordered[i], out var queue)) _multiLocks[ordered[i]] = queue = [];
            queue.Add(id);
            if (queue.Count == 1 && --req.Left == 0)
            {
                // Got all it needs: the remaining locks are not requested at all.
                for (int j = i + 1; j < ordered.Count; j++) req.Locks.Remove(ordered[j]);
                req.ReplyId = 0;
                Answer(r, true);
                return;
            }
        }
        var timeout = acquire.Timeout;
        if (timeout is <= 0)
        {
            req.ReplyId = 0;
            MultiLockRefrain(req);
            Answer(r, false);
            return;
        }
        if (timeout is { } t)
            req.Deadline = AddDeadline(Now + t, () =>
            {
                var replyId = req.ReplyId;
                req.ReplyId = 0;
                MultiLockRefrain(req);
                Answer(replyId, false);
            });
    }

    private object? MultiLockRelease(object? rawId)
    {
        if (!_multiLockRequests.TryGetValue(NameKey(rawId), out var req))
        {
            _log.LogInformation("multi_lock_release by {Id}, which holds nothing", MsgDebug.Format(rawId));
            return new ErrorReply($"KeyError: {MsgDebug.Format(rawId)}");
        }
        MultiLockRefrain(req);
        return null;
    }

    /// <summary>Python's _refain_locks: leave every queue; whoever reaches the front of enough queues is answered.</summary>
    private void MultiLockRefrain(MultiLockRequest req)
    {
        var ready = new List<MultiLockRequest>();
        foreach (var name in req.Locks)
        {
            if (!_multiLocks.TryGetValue(name, out var queue)) continue;
            if (queue.Count > 0 && MsgValueComparer.Instance.Equals(queue[0], req.Id))
            {
                queue.RemoveAt(0);
                if (queue.Count > 0 && _multiLockRequests.TryGetValue(queue[0], out var next))
                {
                    next.Left--;
                    if (next.Left <= 0)
                    {
                        next.Left = 0;
                        if (!ready.Contains(next)) ready.Add(next);
                    }
                }
            }
            else
            {
                queue.RemoveAll(x => MsgValueComparer.Instance.Equals(x, req.Id));
            }
            if (queue.Count == 0) _multiLocks.Remove(name);
        }
        _multiLockRequests.Remove(req.Id);
        CancelDeadline(req.Deadline);
        foreach (var w in ready)
        {
            if (w.ReplyId == 0) continue; // already answered (it holds more locks than it needed)
            CancelDeadline(w.Deadline);
            w.Deadline = 0;
            Answer(w.ReplyId, true);
            w.ReplyId = 0;
        }
    }
}
