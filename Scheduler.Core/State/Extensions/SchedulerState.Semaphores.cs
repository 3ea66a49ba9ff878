using Microsoft.Extensions.Logging;
using Scheduler.Core.Messages;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// distributed.Semaphore (SemaphoreExtension): max_leases per name and the leases held, each with the time it
// was last refreshed. Clients refresh their leases periodically; a lease not refreshed for lease-timeout is
// released by the check that runs every lease-validation-interval (a holder whose worker died must not block
// the semaphore forever). Acquirers that find no free lease wait in FIFO order until a release or their timeout.
public sealed partial class SchedulerState
{
    private sealed class SemaphoreState(long maxLeases)
    {
        public long MaxLeases { get; } = maxLeases;
        /// <summary>lease id -> last refresh time.</summary>
        public Dictionary<object, double> Leases { get; } = NameDictionary<double>();
        public LinkedList<Acquirer> Waiters { get; } = new();
    }

    private readonly Dictionary<object, SemaphoreState> _semaphores = NameDictionary<SemaphoreState>();
    /// <summary>Leases of names that were never registered or were closed (refresh re-adds them, as Python does).</summary>
    private readonly Dictionary<object, Dictionary<object, double>> _orphanLeases = NameDictionary<Dictionary<object, double>>();
    private long _leaseCheck;

    private object? SemaphoreRegister(object? rawName, long max)
    {
        var name = NameKey(rawName);
        if (!_semaphores.TryGetValue(name, out var sem))
        {
            _semaphores[name] = sem = new SemaphoreState(max);
            if (_orphanLeases.Remove(name, out var orphans))
                foreach (var (id, seen) in orphans) sem.Leases[id] = seen;
            return null;
        }
        if (sem.MaxLeases != max)
            return new ErrorReply($"ValueError: Inconsistent max leases: {max}, expected: {sem.MaxLeases}");
        return null;
    }

    private static string NotKnown(object? rawName) => $"RuntimeError: Semaphore `{NameText(rawName)}` not known or already closed.";

    private void SemaphoreAcquire(RpcRequest r)
    {
        var acquire = (SemaphoreAcquireRequest)r.Message;
        var rawName = acquire.Name;
        var name = NameKey(rawName);
        var leaseId = NameKey(acquire.LeaseId);
        if (!_semaphores.TryGetValue(name, out var sem))
        {
            Answer(r, new ErrorReply(NotKnown(rawName)));
            return;
        }
        if (TryGetLease(sem, leaseId))
        {
            Answer(r, true);
            return;
        }
        var timeout = acquire.Timeout;
        if (timeout is <= 0)
        {
            Answer(r, false);
            return;
        }
        var waiter = new Acquirer(r.ReplyId, leaseId);
        var node = sem.Waiters.AddLast(waiter);
        if (timeout is { } t)
            waiter.Deadline = AddDeadline(Now + t, () =>
            {
                sem.Waiters.Remove(node);
                Answer(waiter.ReplyId, false);
            });
    }

    /// <summary>Python's _get_lease: granted when free, or when this lease id already holds one (idempotent retries).</summary>
    private bool TryGetLease(SemaphoreState sem, object leaseId)
    {
        if (!sem.Leases.ContainsKey(leaseId) && sem.Leases.Count >= sem.MaxLeases) return false;
        sem.Leases[leaseId] = Now;
        EnsureLeaseCheck();
        return true;
    }

    private void SemaphoreRelease(object? rawName, object? rawLeaseId)
    {
        if (!_semaphores.TryGetValue(NameKey(rawName), out var sem))
        {
            _log.LogWarning("Tried to release semaphore `{Name}` but it is not known or already closed.", NameText(rawName));
            return;
        }
        if (!sem.Leases.Remove(NameKey(rawLeaseId)))
        {
            _log.LogWarning("Tried to release semaphore but it was already released: name={Name}, lease_id={Lease}. "
                + "This can happen if the semaphore timed out before.", NameText(rawName), MsgDebug.Format(rawLeaseId));
            return;
        }
        ServeAcquirers(sem);
    }

    /// <summary>Hands freed leases to waiting acquirers, first come first served.</summary>
    private void ServeAcquirers(SemaphoreState sem)
    {
        while (sem.Waiters.First is { } first && TryGetLease(sem, first.Value.Id!))
        {
            sem.Waiters.RemoveFirst();
            CancelDeadline(first.Value.Deadline);
            Answer(first.Value.ReplyId, true);
        }
    }

    private void SemaphoreRefreshLeases(object? rawName, IReadOnlyList<object?> leaseIds)
    {
        var name = NameKey(rawName);
        Dictionary<object, double> leases;
        if (_semaphores.TryGetValue(name, out var sem)) leases = sem.Leases;
        else if (!_orphanLeases.TryGetValue(name, out leases!)) _orphanLeases[name] = leases = NameDictionary<double>();
        foreach (var raw in leaseIds)
        {
            var id = NameKey(raw);
            if (!leases.ContainsKey(id))
                _log.LogCritical("Refreshing an unknown lease ID {Id} for {Name}. This might be due to leases timing out and may "
                    + "cause overbooking of the semaphore! This is often caused by long-running GIL-holding in the task which "
                    + "acquired the lease.", MsgDebug.Format(raw), NameText(rawName));
            leases[id] = Now;
        }
        EnsureLeaseCheck();
    }

    private long SemaphoreValue(object? rawName) =>
        _semaphores.TryGetValue(NameKey(rawName), out var sem) ? sem.Leases.Count : 0;

    /// <summary>Hard close: leases and waiters are dropped (waiters are answered false rather than left hanging).</summary>
    private void SemaphoreClose(object? rawName)
    {
        var name = NameKey(rawName);
        if (!_semaphores.Remove(name, out var sem)) return;
        if (sem.Leases.Count > 0)
            _log.LogWarning("Closing semaphore {Name} but there remain unreleased leases", NameText(rawName));
        foreach (var w in sem.Waiters)
        {
            CancelDeadline(w.Deadline);
            Answer(w.ReplyId, false);
        }
        sem.Waiters.Clear();
    }

    /// <summary>Keeps one lease-validation deadline pending while any lease exists.</summary>
    private void EnsureLeaseCheck()
    {
        if (_leaseCheck != 0) return;
        _leaseCheck = AddDeadline(Now + Config.LeaseValidationInterval, CheckLeaseTimeouts);
    }

    /// <summary>Python's _check_lease_timeout: releases leases not refreshed within lease-timeout.</summary>
    private void CheckLeaseTimeouts()
    {
        _leaseCheck = 0;
        bool any = false;
        foreach (var (name, sem) in _semaphores)
        {
            var stale = sem.Leases.Where(p => Now - p.Value > Config.LeaseTimeout).Select(p => p.Key).ToList();
            foreach (var id in stale)
            {
                _log.LogDebug("Lease {Id} for {Name} timed out", MsgDebug.Format(id), MsgDebug.Format(name));
                sem.Leases.Remove(id);
            }
            if (stale.Count > 0) ServeAcquirers(sem);
            any |= sem.Leases.Count > 0;
        }
        foreach (var (name, leases) in _orphanLeases.ToList())
        {
            foreach (var id in leases.Where(p => Now - p.Value > Config.LeaseTimeout).Select(p => p.Key).ToList()) leases.Remove(id);
            if (leases.Count == 0) _orphanLeases.Remove(name);
            else any = true;
        }
        if (any) EnsureLeaseCheck();
    }
}
