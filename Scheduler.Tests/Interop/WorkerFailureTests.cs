namespace Scheduler.Tests.Interop;

[Collection("interop")]
public sealed class WorkerFailureTests
{
    [Fact]
    public async Task A_worker_killed_mid_computation_loses_nothing_the_client_waits_for()
    {
        await using var cluster = await DaskCluster.StartAsync(workers: 2);
        using var client = cluster.StartScript("killed_worker.py");
        await client.WaitForOutputAsync("RUNNING", TimeSpan.FromSeconds(60));
        cluster.Workers[0].Kill();
        Assert.Equal(0, await client.WaitForExitAsync(TimeSpan.FromSeconds(120)));
        Assert.Contains("OK killed worker", client.Output);
        Assert.Contains("remove worker", cluster.Scheduler.Output);
        var identity = await cluster.IdentityAsync();
        Assert.Single((Scheduler.Core.Protocol.MsgMap)identity["workers"]!);
    }
}
