using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// publish_dataset's ordering (Dask 2024.12): the client sends publish_flush_batched_send{uid} on its stream, then
// calls publish_wait_flush(uid) on an RPC comm before publish_put, so the put cannot overtake the futures' graph
// sent on the stream before it. The wait is answered once the marker has come through the stream.
public sealed partial class SchedulerState
{
    private readonly HashSet<string> _flushesReceived = [];
    private readonly Dictionary<string, List<long>> _flushWaiters = [];

    private void PublishFlushReceived(string? uid)
    {
        if (uid is not { } id) return;
        // Kept, as Dask keeps it: every dataset of one publish_dataset call waits on the same uid.
        _flushesReceived.Add(id);
        if (_flushWaiters.Remove(id, out var waiting))
            foreach (var replyId in waiting) Answer(replyId, null);
    }

    private void PublishWaitFlush(RpcRequest r, string? uid)
    {
        if (uid is not { } id || _flushesReceived.Contains(id))
        {
            Answer(r.ReplyId, null);
            return;
        }
        if (!_flushWaiters.TryGetValue(id, out var list)) _flushWaiters[id] = list = [];
        list.Add(r.ReplyId);
    }
}
