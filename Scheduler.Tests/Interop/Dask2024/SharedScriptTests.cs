using Scheduler.Tests.Support;

namespace Scheduler.Tests.Interop.Dask2024;

/// <summary>
/// The client scripts of the 2022.12.1 interop tests, run by a 2024.12.1 client against 2024.12.1 workers: the same
/// workloads (futures, errors, cancellation, scatter, delayed, arrays, coordination primitives, datasets, pub/sub,
/// cluster operations, restrictions, restart, performance_report) must give the same results in both dialects.
/// </summary>
[Collection("dask2024")]
public sealed class Dask2024SharedScriptTests
{
    [TrixieTheory]
    [InlineData("futures.py", "OK futures")]
    [InlineData("errors.py", "OK errors")]
    [InlineData("cancel.py", "OK cancel")]
    [InlineData("scatter_gather.py", "OK scatter")]
    [InlineData("delayed_tree.py", "OK delayed")]
    [InlineData("array_reduction.py", "OK array")]
    [InlineData("coordination.py", "OK coordination")]
    [InlineData("perf_report.py", "OK performance_report")]
    public async Task A_2022_workload_gives_the_same_results_with_a_2024_client(string script, string ok)
    {
        await using var cluster = await Dask2024Cluster.StartAsync(workers: 2, nthreads: 1);
        Assert.Contains(ok, await cluster.RunSharedScriptCheckedAsync(script));
        Assert.False(cluster.Scheduler.HasExited);
    }

    [TrixieFact]
    public async Task Rebalance_retire_stories_metadata_and_the_task_stream()
    {
        await using var cluster = await Dask2024Cluster.StartAsync(workers: 2, nthreads: 1, env: new Dictionary<string, string>
        {
            ["DASK_DISTRIBUTED__WORKER__MEMORY__REBALANCE__MEASURE"] = "managed",
            ["DASK_DISTRIBUTED__WORKER__MEMORY__REBALANCE__SENDER_MIN"] = "0",
            ["DASK_DISTRIBUTED__WORKER__MEMORY__REBALANCE__SENDER_RECIPIENT_GAP"] = "0",
        });
        var output = await cluster.RunSharedScriptCheckedAsync("cluster_ops.py");
        foreach (var step in new[] { "OK rebalance", "OK story", "OK metadata", "OK task stream", "OK logs", "OK retire_workers" })
            Assert.Contains(step, output);
    }

    [TrixieFact]
    public async Task Resources_and_worker_restrictions_place_tasks_on_the_right_workers()
    {
        await using var cluster = await Dask2024Cluster.StartAsync(workers: 1, nthreads: 1);
        cluster.AddWorker2024("--resources", "GPU=1");
        await cluster.WaitForWorkersAsync(2);
        Assert.Contains("OK restrictions", await cluster.RunSharedScriptCheckedAsync("restrictions.py"));
    }

    [TrixieFact]
    public async Task Restart_through_nannies_brings_fresh_workers_back()
    {
        await using var cluster = await Dask2024Cluster.StartAsync(workers: 2, nthreads: 1, nanny: true);
        Assert.Contains("OK restart", await cluster.RunSharedScriptCheckedAsync("restart.py", TimeSpan.FromSeconds(240)));
    }

    [TrixieFact]
    public async Task Actors_the_task_stream_and_a_progress_bar()
    {
        await using var cluster = await Dask2024Cluster.StartAsync(workers: 2, nthreads: 1);
        var output = await cluster.RunClientCheckedAsync("actors_stream.py");
        foreach (var step in new[] { "OK actors", "OK task stream", "OK progress" }) Assert.Contains(step, output);
    }
}
