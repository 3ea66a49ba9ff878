using Scheduler.Core.Config;
using Scheduler.Core.Protocol;
using Scheduler.Core.State;
using static Scheduler.Tests.State.Harness;

namespace Scheduler.Tests.State;

/// <summary>
/// distributed.scheduler.worker-ttl: on a tick, a worker that has not heartbeat for longer than the TTL (or ten
/// heartbeat intervals, if that is longer) is closed and removed; one that heartbeat in time stays.
/// </summary>
public class WorkerTtlTests
{
    private const string W1 = "tcp://127.0.0.1:1001", W2 = "tcp://127.0.0.1:1002";

    private static Harness TwoWorkers(double? ttl)
    {
        var h = new Harness(new SchedulerConfig { WorkerTtl = ttl });
        h.AddWorker(W1);
        h.AddWorker(W2);
        return h;
    }

    [Fact]
    public void Only_the_worker_silent_for_longer_than_the_ttl_is_removed()
    {
        var h = TwoWorkers(60);
        Assert.Empty(ToWorker(h.Send(new Tick(), advance: 30), W2, "close"));
        var (_, hb) = h.Rpc("heartbeat_worker", new MsgMap().Add("address", W1));
        Assert.Equal("OK", (hb.OfType<Reply>().Single().Written() as MsgMap)?["status"]);

        var cmds = h.Send(new Tick(), advance: 31);
        Assert.Single(ToWorker(cmds, W2, "close"));
        Assert.Empty(ToWorker(cmds, W1, "close"));
        Assert.Equal([W1], h.State.Workers.Keys);
    }

    [Fact]
    public void Without_a_ttl_a_silent_worker_stays()
    {
        var h = TwoWorkers(null);
        var cmds = h.Send(new Tick(), advance: 3600);
        Assert.DoesNotContain(cmds.OfType<ToWorker>(), c => Harness.Wire(c)?["op"] as string == "close");
        Assert.Equal(2, h.State.Workers.Count);
    }
}
