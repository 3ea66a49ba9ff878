namespace Scheduler.Tests.Interop;

/// <summary>
/// Real clients and workers against a scheduler that carries out every graph's first transitions a few tasks per
/// turn (distributed.scheduler.graph-slice=3), so that worker reports, other clients and cancellations land between
/// slices: results must be those of a graph that went in at once.
/// </summary>
[Collection("interop")]
public sealed class GraphSliceInteropTests
{
    [Fact]
    public async Task Workloads_give_the_same_results_when_graphs_go_in_slices()
    {
        await using var cluster = await DaskCluster.StartAsync(workers: 2,
            env: new Dictionary<string, string> { ["DASK_DISTRIBUTED__SCHEDULER__GRAPH_SLICE"] = "3" });
        foreach (var (script, expected) in new[]
                 {
                     ("delayed_tree.py", "OK delayed"), ("dataframes.py", "OK dataframes"), ("cancel.py", "OK cancel"),
                     ("two_clients.py", "OK two clients"), ("errors.py", "OK errors"),
                 })
            Assert.Contains(expected, await cluster.RunScriptAsync(script));
        Assert.False(cluster.Scheduler.HasExited);
        Assert.DoesNotContain("Exception", cluster.Scheduler.Output);
    }
}
