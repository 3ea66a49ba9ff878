using Scheduler.Core.State;
using static Scheduler.Tests.State.Harness;

namespace Scheduler.Tests.State;

public class ActorLossTests
{
    private const string W1 = "tcp://127.0.0.1:1001", W2 = "tcp://127.0.0.1:1002", C = "Client-1";

    [Fact]
    public void Losing_the_worker_holding_an_actor_errs_the_actor_future()
    {
        var h = new Harness();
        h.AddWorker(W1);
        h.AddClient(C);
        h.Submit(C, [("counter", [])], ["counter"]);
        h.State.Tasks["counter"].Actor = true;
        h.Finish(W1, "counter");
        h.AddWorker(W2);
        var removed = h.Send(new WorkerDisconnected(1, W1));
        var erred = Assert.Single(ToClient(removed, C, "task-erred"));
        Assert.Equal("counter", erred["key"]);
        Assert.Equal(TaskStatus.Erred, h.StatusOf("counter"));
    }
}
