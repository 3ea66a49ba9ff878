using Microsoft.Extensions.Logging.Abstractions;
using Scheduler.Core.Config;
using Scheduler.Core.Engine;
using Scheduler.Core.State;
using Scheduler.Host.Hosting;
using Scheduler.Host.Transfers;
using Xunit;

namespace Scheduler.Tests.Transfers;

/// <summary>The host's startup gather against its stand-in worker, over a real loopback socket.</summary>
public sealed class TransferWarmupTests
{
    [Fact]
    public async Task The_startup_gather_gets_the_stand_in_workers_value_and_leaves_no_comm_in_the_pool()
    {
        var runtime = new SchedulerRuntime(new SchedulerConfig(), new SchedulerIdentity("Scheduler-test", 1));
        await using var pool = new WorkerRpcPool(runtime, NullLogger<WorkerRpcPool>.Instance);
        var actor = new SchedulerActor(new SchedulerState(new SchedulerConfig(), new SchedulerIdentity("Scheduler-test", 1)));
        var transfers = new DataTransfers(actor, pool, NullLogger<DataTransfers>.Instance);
        // It runs in every host at startup, where a failure is only logged: the value must come back through the
        // connect, the 2024.12 handshake, get_data, the reply's decoding and the "OK".
        Assert.True(await TransferWarmup.RunAsync(transfers, pool, runtime, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(0, pool.IdleCount);
    }
}
