using Scheduler.Perf.Graphs;
using Scheduler.Perf.Matrix;
using Scheduler.Perf.Workers;
using Scheduler.Tests.Interop;

namespace Scheduler.Tests.Perf;

/// <summary>
/// The benchmark's load generator speaks the real protocol: zero workers and the graph submitter run every
/// shape on our scheduler and on dask-scheduler, and the generated graphs run on real dask-workers.
/// </summary>
[Collection("interop")]
public sealed class ZeroWorkerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Zero_workers_run_every_shape_on_our_scheduler()
    {
        await using var cluster = await DaskCluster.StartAsync(workers: 0);
        await RunEveryShapeAsync(cluster.Address);
    }

    [Fact]
    public async Task Zero_workers_run_every_shape_on_dask_scheduler()
    {
        await using var scheduler = await SchedulerProcess.StartAsync("python",
            "/usr/bin/python3 -m distributed.cli.dask_scheduler --host 127.0.0.1 --port {port} --no-dashboard", CancellationToken.None);
        await RunEveryShapeAsync(scheduler.Address);
    }

    private static async Task RunEveryShapeAsync(string address)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var pool = await ZeroWorkerPool.StartAsync(address, 3, 1, cts.Token);
        await using var client = await GraphClient.ConnectAsync(address, cts.Token);
        await client.WaitForWorkersAsync(3, Timeout, cts.Token);
        foreach (var shape in GraphShapes.Names)
        {
            var graph = GraphShapes.Build(shape, 300);
            long before = pool.Finished;
            var result = await client.SubmitAsync(graph, cts.Token);
            Assert.Equal(0, result.Erred);
            // Every task was dispatched to a zero worker and finished there (at least once: none was skipped).
            Assert.True(pool.Finished - before >= graph.Count, $"{graph.Name}: {pool.Finished - before} tasks finished");
        }
        Assert.All(pool.Workers, w => Assert.Null(w.Stopped));
    }

    [Fact]
    public async Task Generated_graphs_run_on_real_dask_workers()
    {
        await using var cluster = await DaskCluster.StartAsync(workers: 2);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var client = await GraphClient.ConnectAsync(cluster.Address, cts.Token);
        foreach (var shape in GraphShapes.Names)
        {
            // Real workers unpickle and call inc, add and sum on the dependencies' results: a wrong payload errs.
            var result = await client.SubmitAsync(GraphShapes.Build(shape, 60), cts.Token);
            Assert.Equal(0, result.Erred);
        }
    }
}
