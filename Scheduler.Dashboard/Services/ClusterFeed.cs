using Scheduler.Core.State;
using Scheduler.Core.Views;

namespace Scheduler.Dashboard.Services;

/// <summary>
/// The dashboard's one view of the scheduler. While some page is open it re-reads a snapshot at most every
/// <see cref="Interval"/>, and only when the scheduler handled something since (its version moved), then tells
/// the subscribed pages, which re-render from it. Costs the scheduler one O(groups + workers + new task-stream
/// records) query per interval, whatever the load and however many browsers watch; nothing when nobody does.
/// </summary>
public sealed class ClusterFeed(IClusterReader reader) : IAsyncDisposable, IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    /// <summary>The task stream keeps this many bars for the chart.</summary>
    public const int TaskStreamBars = 2000;

    private readonly Lock _gate = new();
    private readonly List<Func<Task>> _subscribers = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private long _seenVersion = -1;
    private long _streamSequence;
    private List<TaskStreamBar> _bars = [];

    /// <summary>The latest snapshot (null until the first read).</summary>
    public DashboardSnapshot? Current { get; private set; }

    /// <summary>The last read failed (the scheduler did not answer): pages show an error state.</summary>
    public string? Error { get; private set; }

    /// <summary>Calls <paramref name="changed"/> after each new snapshot, until disposed.</summary>
    public IDisposable Subscribe(Func<Task> changed)
    {
        lock (_gate)
        {
            _subscribers.Add(changed);
            _loop ??= Task.Run(() => LoopAsync(_stop.Token));
        }
        return new Subscription(this, changed);
    }

    /// <summary>Reads a snapshot now (first render, tests).</summary>
    public async Task<DashboardSnapshot?> RefreshAsync(CancellationToken ct = default)
    {
        long version = reader.Version;
        try
        {
            long after = _streamSequence;
            var (snapshot, newBars) = await reader.ReadAsync(s => Read(s, after), ct).ConfigureAwait(false);
            lock (_gate)
            {
                if (newBars.Count > 0)
                {
                    int drop = Math.Max(0, _bars.Count + newBars.Count - TaskStreamBars);
                    _bars = _bars.Concat(newBars).Skip(drop).ToList(); // a new list: snapshots handed out stay as they were
                    _streamSequence = newBars[^1].Sequence;
                }
                Current = snapshot with { TaskStream = _bars };
                Error = null;
                _seenVersion = version;
            }
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException or InvalidOperationException)
        {
            if (ct.IsCancellationRequested) throw;
            Error = "The scheduler did not answer: " + e.Message;
        }
        return Current;
    }

    private static (DashboardSnapshot, List<TaskStreamBar>) Read(SchedulerState s, long after) =>
        (new DashboardSnapshot(StateViews.Summary(s), StateViews.Groups(s), StateViews.Workers(s), StateViews.Computations(s), [], DateTime.UtcNow),
         StateViews.TaskStreamSince(s, after, TaskStreamBars));

    private async Task LoopAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            do
            {
                Func<Task>[] subscribers;
                lock (_gate) subscribers = [.. _subscribers];
                if (subscribers.Length == 0) continue;
                if (reader.Version == _seenVersion && Current != null) continue;
                await RefreshAsync(ct).ConfigureAwait(false);
                foreach (var s in subscribers)
                {
                    try { await s().ConfigureAwait(false); }
                    catch (ObjectDisposedException) { } // a circuit that just went away
                }
            }
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false));
        }
        catch (OperationCanceledException) { }
    }

    private void Unsubscribe(Func<Task> changed)
    {
        lock (_gate) _subscribers.Remove(changed);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop != null) await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    private sealed class Subscription(ClusterFeed feed, Func<Task> changed) : IDisposable
    {
        public void Dispose() => feed.Unsubscribe(changed);
    }
}
