using Scheduler.Core.Messages.Outgoing;

namespace Scheduler.Core.State;

// Putting a future into a variable or a queue (Dask 2024.12) waits, up to the request's timeout, until the scheduler
// knows its key: the RPC can overtake the graph that defines it on the client's stream, and a key that never comes
// (a cancelled future) fails with Dask's TimeoutError. A 2022.12 client sends no timeout, and its key is taken as it is.
public sealed partial class SchedulerState
{
    private readonly Dictionary<long, double> _keyWaitDeadlines = [];

    /// <summary>
    /// True when the request waits for <paramref name="key"/> (and is handled again later, or answered with the
    /// time-out). Only a request that carries a timeout (<paramref name="hasTimeout"/>; a null one waits forever) waits.
    /// </summary>
    private bool DeferUntilKeyKnown(RpcRequest r, string? key, bool hasTimeout, double? timeout, Action<RpcRequest> handleAgain)
    {
        if (key == null || Tasks.ContainsKey(key) || !hasTimeout)
        {
            _keyWaitDeadlines.Remove(r.ReplyId);
            return false;
        }
        if (!_keyWaitDeadlines.TryGetValue(r.ReplyId, out var deadline))
            _keyWaitDeadlines[r.ReplyId] = deadline = Now + (timeout ?? double.PositiveInfinity);
        if (Now >= deadline)
        {
            _keyWaitDeadlines.Remove(r.ReplyId);
            Answer(r, new ErrorReply($"TimeoutError: Task {key} unknown to scheduler."));
            return true;
        }
        // Python polls every 10 ms; so does this, on the scheduler's own clock.
        AddDeadline(Math.Min(Now + 0.01, deadline), () => handleAgain(r));
        return true;
    }
}
