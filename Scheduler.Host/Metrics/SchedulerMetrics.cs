using System.Diagnostics.Metrics;
using Scheduler.Core.State;
using Scheduler.Core.Views;
using Scheduler.Host.Api;
using TaskStatus = Scheduler.Core.State.TaskStatus;

namespace Scheduler.Host.Metrics;

/// <summary>
/// Dask's scheduler metrics (distributed/http/scheduler/prometheus/core.py) as System.Diagnostics.Metrics
/// instruments with the same names and labels, exported in Prometheus text at /metrics by OpenTelemetry's
/// exporter. The observable callbacks read one snapshot, taken on the scheduler's thread at most every half
/// second, so a scrape costs the scheduler one small query.
/// </summary>
public sealed class SchedulerMetrics : IDisposable
{
    public const string MeterName = "Scheduler.Dask";

    private readonly Meter _meter = new(MeterName);
    private readonly StateReader _reader;
    private readonly Lock _gate = new();
    private Snapshot _snapshot = Snapshot.Empty;
    private DateTime _takenAt = DateTime.MinValue;

    private sealed record Snapshot(
        int Clients, long DesiredWorkers, int Workers, int Saturated, int Idle, IReadOnlyDictionary<string, long> Tasks,
        IReadOnlyList<(string Prefix, int Suspicious, IReadOnlyDictionary<string, long> Totals)> Prefixes, long Forgotten,
        double TickMax, long Ticks)
    {
        public static readonly Snapshot Empty = new(0, 0, 0, 0, 0, new Dictionary<string, long>(), [], 0, 0, 0);
    }

    public SchedulerMetrics(StateReader reader)
    {
        _reader = reader;
        _meter.CreateObservableGauge("dask_scheduler_clients", () => Take().Clients, description: "Number of clients connected");
        _meter.CreateObservableGauge("dask_scheduler_desired_workers", () => Take().DesiredWorkers,
            description: "Number of workers scheduler needs for task graph");
        _meter.CreateObservableGauge("dask_scheduler_workers", () =>
        {
            var s = Take();
            return new[]
            {
                new Measurement<long>(s.Workers, new KeyValuePair<string, object?>("state", "connected")),
                new Measurement<long>(s.Saturated, new KeyValuePair<string, object?>("state", "saturated")),
                new Measurement<long>(s.Idle, new KeyValuePair<string, object?>("state", "idle")),
            };
        }, description: "Number of workers known by scheduler");
        _meter.CreateObservableGauge("dask_scheduler_tasks", () =>
            Take().Tasks.Select(kv => new Measurement<long>(kv.Value, new KeyValuePair<string, object?>("state", kv.Key))),
            description: "Number of tasks known by scheduler");
        _meter.CreateObservableCounter("dask_scheduler_tasks_suspicious", () =>
            Take().Prefixes.Select(p => new Measurement<long>(p.Suspicious, new KeyValuePair<string, object?>("task_prefix_name", p.Prefix))),
            description: "Total number of times a task has been marked suspicious");
        _meter.CreateObservableCounter("dask_scheduler_tasks_forgotten", () => Take().Forgotten,
            description: "Total number of processed tasks no longer in memory and already removed from the scheduler job queue");
        _meter.CreateObservableCounter("dask_scheduler_prefix_state_totals", () =>
            Take().Prefixes.SelectMany(p => p.Totals.Select(t => new Measurement<long>(t.Value,
                new KeyValuePair<string, object?>("task_prefix_name", p.Prefix), new KeyValuePair<string, object?>("state", t.Key)))),
            description: "Accumulated count of task prefix in each state");
        _meter.CreateObservableGauge("dask_scheduler_tick_duration_maximum_seconds", () => Take().TickMax,
            description: "Maximum tick duration observed since Prometheus last scraped metrics");
        _meter.CreateObservableCounter("dask_scheduler_tick_count", () => Take().Ticks,
            description: "Total number of ticks observed since the server started");
    }

    private Snapshot Take()
    {
        lock (_gate)
        {
            if (DateTime.UtcNow - _takenAt < TimeSpan.FromMilliseconds(500)) return _snapshot;
            try
            {
                // Observable callbacks are synchronous; this runs on the scrape's request thread, never the scheduler's.
                _snapshot = _reader.ReadAsync(Read).GetAwaiter().GetResult();
                _takenAt = DateTime.UtcNow;
            }
            catch (TimeoutException)
            {
            }
            return _snapshot;
        }
    }

    private static Snapshot Read(SchedulerState s)
    {
        var tasks = new Dictionary<string, long>();
        foreach (var st in StateViews.AllStates)
            if (st != TaskStatus.Forgotten) tasks[st.Wire()] = 0;
        long forgotten = 0;
        foreach (var g in s.Groups.Values)
        {
            foreach (var st in StateViews.AllStates)
                if (st != TaskStatus.Forgotten) tasks[st.Wire()] += g.CountIn(st);
            forgotten += g.CountIn(TaskStatus.Forgotten);
        }
        var prefixes = s.Prefixes.Values.Select(p => (p.Name, p.Suspicious,
            (IReadOnlyDictionary<string, long>)StateViews.AllStates.Where(st => p.TotalInto(st) > 0).ToDictionary(st => st.Wire(), p.TotalInto)))
            .ToList();
        int idle = s.Workers.Values.Count(w => w.IsRunning && w.Processing.Count < w.NThreads);
        int saturated = s.Workers.Values.Count(w => w.IsRunning && w.Processing.Count > w.NThreads);
        return new Snapshot(s.Clients.Keys.Count(k => k != SchedulerState.FireAndForget), s.AdaptiveTarget(), s.Workers.Count,
            saturated, idle, tasks, prefixes, forgotten, s.TickDurationMax, s.TickCount);
    }

    public void Dispose() => _meter.Dispose();
}
