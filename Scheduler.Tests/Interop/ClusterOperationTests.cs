namespace Scheduler.Tests.Interop;

/// <summary>Rebalance, retire_workers, restart through nannies, logs, stories and metadata with real workers.</summary>
[Collection("interop")]
public sealed class ClusterOperationTests
{
    [Fact]
    public async Task Rebalance_and_retire_workers_move_data_without_losing_any()
    {
        await using var cluster = await DaskCluster.StartAsync(workers: 2, env: new Dictionary<string, string>
        {
            ["DASK_DISTRIBUTED__WORKER__MEMORY__REBALANCE__MEASURE"] = "managed",
            ["DASK_DISTRIBUTED__WORKER__MEMORY__REBALANCE__SENDER_MIN"] = "0",
            ["DASK_DISTRIBUTED__WORKER__MEMORY__REBALANCE__SENDER_RECIPIENT_GAP"] = "0",
        });
        var output = await cluster.RunScriptAsync("cluster_ops.py");
        foreach (var step in new[] { "OK rebalance", "OK story", "OK metadata", "OK task stream", "OK logs", "OK retire_workers" })
            Assert.Contains(step, output);
        Assert.Contains("Retired worker", cluster.Scheduler.Output);
    }

    [Fact]
    public async Task Restart_through_nannies_brings_fresh_workers_back()
    {
        await using var cluster = await DaskCluster.StartAsync(workers: 2, nanny: true);
        var output = await cluster.RunScriptAsync("restart.py", TimeSpan.FromSeconds(180));
        Assert.Contains("OK restart", output);
    }

    [Fact]
    public async Task Resources_and_worker_restrictions_place_tasks_on_the_right_workers()
    {
        await using var cluster = await DaskCluster.StartAsync(workers: 1);
        cluster.AddWorker("--resources", "GPU=1");
        await cluster.WaitForWorkersAsync(2, TimeSpan.FromSeconds(60));
        var output = await cluster.RunScriptAsync("restrictions.py");
        Assert.Contains("OK restrictions", output);
    }
}
