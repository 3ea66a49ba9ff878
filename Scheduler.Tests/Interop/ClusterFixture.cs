namespace Scheduler.Tests.Interop;

/// <summary>One scheduler and two workers shared by the interop tests that do not break the cluster.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public DaskCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await DaskCluster.StartAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>Interop tests run one at a time: the machine has two cores and each test runs real Python processes.</summary>
[CollectionDefinition("interop")]
public sealed class InteropCollection : ICollectionFixture<ClusterFixture>;
