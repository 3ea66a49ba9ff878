using Scheduler.Core.Config;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// Deadlines: the core never sleeps or reads a clock, so a request that must be answered "later, at the
// latest at time T" (lock_acquire with a timeout, event_wait, queue_get, ...) registers a deadline here.
// Expired deadlines run at the start of every stimulus (every stimulus carries its time), and the state asks
// the host for a Wakeup stimulus at the earliest pending deadline, so that short timeouts (0.1 s) do not
// wait for the next 500 ms Tick. Only the earliest request matters: one WakeupAt per new earliest deadline.
public sealed partial class SchedulerState
{
    private readonly SortedSet<(double At, long Seq)> _deadlines = [];
    private readonly Dictionary<long, (double At, Action Run)> _deadlineActions = [];
    private long _deadlineSeq;
    /// <summary>The earliest time the host has been asked to wake us at and has not yet (PositiveInfinity: none).</summary>
    private double _wakeupRequested = double.PositiveInfinity;

    /// <summary>Runs <paramref name="run"/> once the stimulus time reaches <paramref name="at"/>; returns a handle
    /// for <see cref="CancelDeadline"/>.</summary>
    private long AddDeadline(double at, Action run)
    {
        long id = ++_deadlineSeq;
        _deadlines.Add((at, id));
        _deadlineActions[id] = (at, run);
        return id;
    }

    /// <summary>Forgets a deadline (its request was answered first). Unknown or 0 handles are ignored.</summary>
    private void CancelDeadline(long id)
    {
        if (id != 0 && _deadlineActions.Remove(id, out var d)) _deadlines.Remove((d.At, id));
    }

    /// <summary>Pending deadlines (for tests and diagnostics).</summary>
    public int PendingDeadlines => _deadlines.Count;

    /// <summary>Called before each stimulus is handled: what was due by now happens first, as in Python,
    /// whose event loop runs due timers before the next message.</summary>
    private void RunDueDeadlines(bool wakeup)
    {
        // A Wakeup means the timer asked for has fired (perhaps a hair early, clocks differ): ask again if needed.
        if (wakeup || Now >= _wakeupRequested) _wakeupRequested = double.PositiveInfinity;
        while (_deadlines.Count > 0)
        {
            var first = _deadlines.Min;
            if (first.At > Now) break;
            _deadlines.Remove(first);
            if (_deadlineActions.Remove(first.Seq, out var d)) d.Run();
        }
    }

    /// <summary>Called after each stimulus: ask for a wakeup if the earliest deadline is earlier than any asked for.</summary>
    private void RequestWakeup()
    {
        if (_deadlines.Count == 0) return;
        var at = _deadlines.Min.At;
        if (at >= _wakeupRequested) return;
        _wakeupRequested = at;
        Emit(new WakeupAt(at));
    }

    /// <summary>
    /// Names of locks, events, semaphores, ... are msgpack values (usually strings; lists become Python tuples):
    /// dictionaries keyed by them compare structurally. Null (Python None) is a valid name too.
    /// </summary>
    private static object NameKey(object? name) => name ?? NullName;

    private static readonly object NullName = new();

    private static Dictionary<object, T> NameDictionary<T>() => new(MsgValueComparer.Instance);
}
