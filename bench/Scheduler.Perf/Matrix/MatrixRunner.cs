using System.Diagnostics;
using Scheduler.Perf.Graphs;
using Scheduler.Perf.Workers;

namespace Scheduler.Perf.Matrix;

public sealed record MatrixOptions(
    Dictionary<string, string> Schedulers, string[] Shapes, int[] Sizes, int[] Workers, int MinTasks,
    int IdleWorkers, int IdleSeconds, int BigTasks, Dictionary<string, int> BigTasksPer, int BigWorkers);

/// <summary>
/// Runs every (shape, size, worker count) against each scheduler, one fresh scheduler per worker count and
/// scheduler, alternating which scheduler goes first; then the idle-workers and big-graph experiments.
/// Scheduler CPU comes from /proc; wall time is what the submitting client saw.
/// </summary>
public sealed class MatrixRunner(MatrixOptions options, TextWriter log, Action<MatrixResults>? checkpoint = null)
{
    private readonly Dictionary<(string, int), GeneratedGraph> _graphs = [];

    public async Task<MatrixResults> RunAsync(CancellationToken ct)
    {
        var results = new MatrixResults { Commands = options.Schedulers };
        var names = options.Schedulers.Keys.ToArray();
        // Each part is written out as soon as it is done: a failure late in a long run loses only that part.
        for (int wi = 0; wi < options.Workers.Length; wi++)
            foreach (var name in Alternate(names, wi))
            {
                results.Cells.AddRange(await CellsAsync(name, options.Workers[wi], ct).ConfigureAwait(false));
                checkpoint?.Invoke(results);
            }
        if (options.IdleWorkers > 0)
            foreach (var name in names)
            {
                results.Idle.Add(await IdleAsync(name, ct).ConfigureAwait(false));
                checkpoint?.Invoke(results);
            }
        if (options.BigTasks > 0)
            foreach (var name in names)
            {
                results.Big.Add(await BigAsync(name, options.BigTasksPer.GetValueOrDefault(name, options.BigTasks), ct).ConfigureAwait(false));
                checkpoint?.Invoke(results);
            }
        return results;
    }

    /// <summary>"merge" runs at every size; "chain@1000+5000" only at the sizes given (chain is slow on dask-scheduler).</summary>
    private IEnumerable<(string Shape, int Size)> Cells(string spec)
    {
        var parts = spec.Split('@', 2);
        var sizes = parts.Length == 2
            ? parts[1].Split('+').Select(v => int.Parse(v, System.Globalization.CultureInfo.InvariantCulture))
            : options.Sizes;
        return sizes.Select(n => (parts[0], n));
    }

    private static IEnumerable<string> Alternate(string[] names, int round) =>
        round % 2 == 0 ? names : names.Reverse();

    private GeneratedGraph Graph(string shape, int size)
    {
        if (!_graphs.TryGetValue((shape, size), out var g)) _graphs[(shape, size)] = g = GraphShapes.Build(shape, size);
        return g;
    }

    private async Task<List<CellResult>> CellsAsync(string name, int workers, CancellationToken ct)
    {
        var cells = new List<CellResult>();
        await using var scheduler = await SchedulerProcess.StartAsync(name, options.Schedulers[name], ct).ConfigureAwait(false);
        await using var pool = await ZeroWorkerPool.StartAsync(scheduler.Address, workers, 1, ct).ConfigureAwait(false);
        await using var client = await GraphClient.ConnectAsync(scheduler.Address, ct).ConfigureAwait(false);
        await client.WaitForWorkersAsync(workers, TimeSpan.FromSeconds(120), ct).ConfigureAwait(false);
        // Warm-up (JIT, first history rows, Python's imports): not measured.
        await client.SubmitAsync(GraphShapes.Build("tree", 2000), ct).ConfigureAwait(false);
        foreach (var spec in options.Shapes)
            foreach (var (shape, size) in Cells(spec))
            {
                var graph = Graph(shape, size);
                int runs = Math.Max(1, (options.MinTasks + graph.Count - 1) / graph.Count);
                double wall = 0, cpu = 0;
                int erred = 0;
                for (int r = 0; r < runs; r++)
                {
                    var frames = client.Encode(graph);
                    await ProcessStats.WaitIdleAsync(scheduler.Pid, TimeSpan.FromMilliseconds(300), TimeSpan.FromMinutes(5), ct).ConfigureAwait(false);
                    double c0 = scheduler.CpuSeconds();
                    var clock = Stopwatch.StartNew();
                    await client.SendAsync(frames, ct).ConfigureAwait(false);
                    erred += await client.WaitAsync(graph, ct).ConfigureAwait(false);
                    wall += clock.Elapsed.TotalSeconds;
                    cpu += scheduler.CpuSeconds() - c0;
                }
                var cell = new CellResult(name, shape, size, workers, runs, graph.Count, wall, cpu, erred);
                cells.Add(cell);
                log.WriteLine($"{name,-8} {graph.Name,-14} workers {workers,4}: {cell.TasksPerSecond,10:N0} tasks/s, " +
                              $"{cell.CpuMicrosPerTask,8:F1} µs CPU/task ({runs} runs{(erred > 0 ? $", {erred} erred" : "")})");
            }
        return cells;
    }

    private async Task<IdleResult> IdleAsync(string name, CancellationToken ct)
    {
        await using var scheduler = await SchedulerProcess.StartAsync(name, options.Schedulers[name], ct).ConfigureAwait(false);
        await using var pool = await ZeroWorkerPool.StartAsync(scheduler.Address, options.IdleWorkers, 1, ct).ConfigureAwait(false);
        await using var client = await GraphClient.ConnectAsync(scheduler.Address, ct).ConfigureAwait(false);
        await client.WaitForWorkersAsync(options.IdleWorkers, TimeSpan.FromMinutes(5), ct).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromSeconds(10), ct).ConfigureAwait(false); // registration settles, heartbeats begin
        double c0 = scheduler.CpuSeconds();
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(options.IdleSeconds), ct).ConfigureAwait(false);
        var result = new IdleResult(name, options.IdleWorkers, clock.Elapsed.TotalSeconds, scheduler.CpuSeconds() - c0);
        int alive = pool.Workers.Count(w => w.Stopped == null);
        log.WriteLine($"{name,-8} idle with {options.IdleWorkers} workers ({alive} still connected): {result.PercentOfCore:F2}% of a core");
        return result;
    }

    private async Task<BigResult> BigAsync(string name, int tasks, CancellationToken ct)
    {
        var graph = GraphShapes.Build("merge", tasks);
        await using var scheduler = await SchedulerProcess.StartAsync(name, options.Schedulers[name], ct).ConfigureAwait(false);
        await using var client = await GraphClient.ConnectAsync(scheduler.Address, ct).ConfigureAwait(false);
        await using var probe = await GraphClient.ConnectAsync(scheduler.Address, ct).ConfigureAwait(false);
        var frames = client.Encode(graph);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        await ProcessStats.WaitIdleAsync(scheduler.Pid, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), ct).ConfigureAwait(false);
        long rss0 = scheduler.RssBytes();
        long? live0 = await ManagedHeap.LiveBytesAsync(scheduler.Pid, ct).ConfigureAwait(false);
        double c0 = scheduler.CpuSeconds();

        using var probing = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var pauses = new List<double>();
        long peak = rss0;
        // Odd while the heap walk runs: it stops the scheduler's process for seconds (a full blocking collection and a
        // walk of every object), so a round trip that overlaps it measures the tool, not the scheduler.
        int walkEpoch = 0;
        var probeTask = Task.Run(async () =>
        {
            while (!probing.IsCancellationRequested)
            {
                try
                {
                    int before = Volatile.Read(ref walkEpoch);
                    var roundTrip = await probe.PingAsync(probing.Token).ConfigureAwait(false);
                    if (before % 2 == 0 && Volatile.Read(ref walkEpoch) == before) pauses.Add(roundTrip.TotalMilliseconds);
                }
                catch (OperationCanceledException) { return; }
                peak = Math.Max(peak, scheduler.RssBytes());
                try { await Task.Delay(10, probing.Token).ConfigureAwait(false); } catch (OperationCanceledException) { return; }
            }
        }, CancellationToken.None);

        // Ingest with no worker connected: the whole graph is held (waiting / queued / no-worker).
        var clock = Stopwatch.StartNew();
        await client.SendAsync(frames, ct).ConfigureAwait(false);
        await ProcessStats.WaitIdleAsync(scheduler.Pid, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(30), ct).ConfigureAwait(false);
        double ingest = clock.Elapsed.TotalSeconds - 1;
        long held = scheduler.RssBytes();
        // Measured before the run's CPU is counted from: the heap walk is the tool's work, but it runs in the target.
        double cpuBeforeWalk = scheduler.CpuSeconds();
        Interlocked.Increment(ref walkEpoch);
        long? liveHeld = await ManagedHeap.LiveBytesAsync(scheduler.Pid, ct).ConfigureAwait(false);
        Interlocked.Increment(ref walkEpoch);
        double walkCpu = scheduler.CpuSeconds() - cpuBeforeWalk;
        log.WriteLine($"{name,-8} {graph.Name}: held {(held - rss0) / (double)tasks:F0} B/task (RSS)" +
                      (liveHeld is { } l && live0 is { } l0 ? $", {(l - l0) / (double)tasks:F0} B/task live managed heap" : "") +
                      $" after {ingest:F1} s of ingest");

        // Then the workers join and the graph runs.
        clock.Restart();
        await using var pool = await ZeroWorkerPool.StartAsync(scheduler.Address, options.BigWorkers, 1, ct).ConfigureAwait(false);
        int erred = await client.WaitAsync(graph, ct).ConfigureAwait(false);
        double run = clock.Elapsed.TotalSeconds;
        double cpu = scheduler.CpuSeconds() - c0 - walkCpu;
        probing.Cancel();
        await probeTask.ConfigureAwait(false);
        pauses.Sort();
        var result = new BigResult(name, graph.Name, tasks, rss0, held, peak, ingest, run, cpu,
            pauses.Count > 0 ? pauses[^1] : double.NaN, pauses.Count > 0 ? pauses[(int)(pauses.Count * 0.99)] : double.NaN, pauses.Count)
        {
            LiveHeapBefore = live0,
            LiveHeapHeld = liveHeld,
        };
        log.WriteLine($"{name,-8} {graph.Name}: ran in {run:F1} s ({tasks / run:N0} tasks/s, {erred} erred), " +
                      $"CPU {cpu / tasks * 1e6:F1} µs/task, longest probe {result.MaxPauseMs:F0} ms, p99 {result.P99PauseMs:F0} ms");
        return result;
    }
}
