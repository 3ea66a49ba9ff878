using Scheduler.Core.Protocol;

namespace Scheduler.Tests.Interop;

/// <summary>Requests that wait in the scheduler (event_wait, lock_acquire, ...) and requesters that leave meanwhile.</summary>
[Collection("interop")]
public sealed class WaitingRequestTests(ClusterFixture fixture)
{
    private DaskCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task A_waiting_requester_that_disconnects_is_dropped_and_the_scheduler_carries_on()
    {
        var name = "gone-" + Guid.NewGuid().ToString("N");
        var gone = await RawDaskClient.ConnectAsync(Cluster.Address);
        var pending = gone.RequestAsync(new MsgMap().Add("op", "event_wait").Add("name", name).Add("timeout", null).Add("reply", true), 30);
        await Task.Delay(200);
        await gone.DisposeAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => pending);

        await using var c = await RawDaskClient.ConnectAsync(Cluster.Address);
        // Answering the departed waiter must not disturb anything.
        Assert.Null(await c.RequestAsync(new MsgMap().Add("op", "event_set").Add("name", name).Add("reply", true)));
        Assert.Equal(true, await c.RequestAsync(new MsgMap().Add("op", "event_wait").Add("name", name).Add("timeout", 1.0).Add("reply", true)));
        // A short timeout is answered, and not before it expires. That it is the wake-up timer, not the 500 ms
        // tick, that answers it is shown exactly with a fake clock (ActorWakeupTests): a wall-clock upper bound
        // here would fail on a loaded CI machine.
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(false, await c.RequestAsync(new MsgMap().Add("op", "event_wait").Add("name", name + "-unset").Add("timeout", 0.05).Add("reply", true)));
        Assert.True(sw.Elapsed.TotalSeconds >= 0.04, $"answered after {sw.Elapsed.TotalSeconds:F3} s, before its 0.05 s timeout");
        Assert.False(Cluster.Scheduler.HasExited);
    }
}
