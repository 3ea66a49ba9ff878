namespace Scheduler.Tests.Interop;

/// <summary>Real Python clients and dask-worker processes against our scheduler process.</summary>
[Collection("interop")]
public sealed class ClientInteropTests(ClusterFixture fixture)
{
    private DaskCluster Cluster => fixture.Cluster;

    [Theory]
    [InlineData("futures.py", "OK futures")]
    [InlineData("delayed_tree.py", "OK delayed")]
    [InlineData("array_reduction.py", "OK array")]
    [InlineData("scatter_gather.py", "OK scatter")]
    [InlineData("errors.py", "OK errors")]
    [InlineData("cancel.py", "OK cancel")]
    [InlineData("two_clients.py", "OK two clients")]
    [InlineData("dataframes.py", "OK dataframes")]
    [InlineData("arrays_unfused.py", "OK arrays unfused")]
    [InlineData("bags.py", "OK bags")]
    [InlineData("coordination.py", "OK coordination")]
    public async Task Python_client_workload_succeeds(string script, string expected)
    {
        var output = await Cluster.RunScriptAsync(script);
        Assert.Contains(expected, output);
        Assert.False(Cluster.Scheduler.HasExited);
    }

    [Fact]
    public async Task Health_endpoint_answers_ok()
    {
        using var http = new HttpClient();
        Assert.Equal("ok", await http.GetStringAsync($"http://127.0.0.1:{Cluster.DashboardPort}/health"));
    }
}
