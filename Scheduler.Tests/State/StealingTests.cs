using Scheduler.Core.Config;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;
using Scheduler.Core.State;
using static Scheduler.Tests.State.Harness;

namespace Scheduler.Tests.State;

/// <summary>Work stealing: an idle worker takes queued tasks, only once the victim confirms it had not started them.</summary>
public class StealingTests
{
    private const string W1 = "tcp://127.0.0.1:1001", W2 = "tcp://127.0.0.1:1002", C = "Client-1";

    /// <summary>Ten independent tasks all placed on W1 (loose restriction), W2 idle.</summary>
    private static Harness Unbalanced(SchedulerConfig? config = null)
    {
        var h = new Harness(config);
        h.AddWorker(W1);
        h.AddWorker(W2);
        h.AddClient(C);
        var tasks = Enumerable.Range(0, 10).Select(i => ($"t-{i}", Array.Empty<string>())).ToList();
        var cmds = h.Submit(C, tasks, tasks.Select(t => t.Item1),
            annotations: new MsgMap().Add("workers", new object?[] { W1 }).Add("allow_other_workers", true));
        Assert.All(ComputeTasks(cmds), c => Assert.Equal(W1, c.Worker));
        return h;
    }

    [Fact]
    public void An_idle_worker_steals_queued_tasks_after_the_victim_confirms()
    {
        var h = Unbalanced();
        var cmds = h.Send(new Tick());
        var requests = ToWorker(cmds, W1, "steal-request").ToList();
        Assert.NotEmpty(requests);
        var req = requests[0];
        var key = TaskKeys.FromWire(req["key"])!;

        // A confirmation with an old stimulus id is ignored.
        cmds = h.Send(new WorkerStreamOp(W1, "steal-response", new MsgMap().Add("key", key).Add("state", "ready").Add("stimulus_id", "steal-old")));
        Assert.Empty(ComputeTasks(cmds));

        cmds = h.Send(new WorkerStreamOp(W1, "steal-response", new MsgMap().Add("key", key).Add("state", "ready").Add("stimulus_id", req["stimulus_id"])));
        var (worker, msg) = Assert.Single(ComputeTasks(cmds));
        Assert.Equal((W2, key), (worker, TaskKeys.FromWire(msg["key"])!));
        Assert.Same(h.State.Workers[W2], h.State.Tasks[key].ProcessingOn);
        Assert.DoesNotContain(h.State.Tasks[key], h.State.Workers[W1].Processing.Keys);

        var (id, replies) = h.Rpc("events", new MsgMap().Add("topic", "stealing"));
        var logged = Assert.IsType<TopicEventsReply>(Assert.Single(replies.OfType<Reply>(), r => r.ReplyId == id).Value);
        Assert.Equal(new StealConfirmed(key, W1, W2, (string)req["stimulus_id"]!), Assert.Single(logged.Events).Event);
    }

    [Fact]
    public void A_task_the_victim_already_runs_stays_and_a_released_one_is_rescheduled()
    {
        var h = Unbalanced();
        var requests = ToWorker(h.Send(new Tick()), W1, "steal-request").ToList();
        Assert.True(requests.Count >= 2);
        var (running, released) = (requests[0], requests[1]);
        var cmds = h.Send(new WorkerStreamOp(W1, "steal-response", new MsgMap().Add("key", running["key"]).Add("state", "executing").Add("stimulus_id", running["stimulus_id"])));
        Assert.Empty(ComputeTasks(cmds));
        Assert.Same(h.State.Workers[W1], h.State.Tasks[TaskKeys.FromWire(running["key"])!].ProcessingOn);

        cmds = h.Send(new WorkerStreamOp(W1, "steal-response", new MsgMap().Add("key", released["key"]).Add("state", "released").Add("stimulus_id", released["stimulus_id"])));
        Assert.Equal(released["key"], Assert.Single(ComputeTasks(cmds)).Msg["key"]);
    }

    [Fact]
    public void Nothing_is_stolen_when_work_stealing_is_off_or_a_task_is_strictly_restricted()
    {
        var h = Unbalanced(new SchedulerConfig { WorkStealing = false });
        Assert.Empty(ToWorker(h.Send(new Tick()), W1, "steal-request"));

        var strict = new Harness();
        strict.AddWorker(W1);
        strict.AddWorker(W2);
        strict.AddClient(C);
        var tasks = Enumerable.Range(0, 10).Select(i => ($"t-{i}", Array.Empty<string>())).ToList();
        strict.Submit(C, tasks, tasks.Select(t => t.Item1), annotations: new MsgMap().Add("workers", new object?[] { W1 }));
        Assert.Empty(ToWorker(strict.Send(new Tick()), W1, "steal-request"));
    }
}
