using Scheduler.Core.Config;
using Scheduler.Core.Protocol;
using Scheduler.Core.State;

namespace Scheduler.Tests.State;

/// <summary>The transition log: every transition with its stimulus id and recommendations (get_story).</summary>
public class StoryTests
{
    private const string W1 = "tcp://127.0.0.1:1001", C = "Client-1";

    [Fact]
    public void A_task_story_lists_its_transitions_with_stimulus_ids_as_Dask_tuples()
    {
        var h = new Harness();
        h.AddWorker(W1);
        h.AddClient(C);
        h.Submit(C, [("a", []), ("b", ["a"])], ["b"]);
        h.Finish(W1, "a");
        var (_, cmds) = h.Rpc("get_story", new MsgMap().Add("keys_or_stimuli", new object?[] { "a" }));
        var story = ((object?[])Assert.Single(cmds.OfType<Reply>()).Written()!).Cast<object?[]>().ToList();
        Assert.Equal([("released", "waiting"), ("waiting", "processing"), ("processing", "memory")],
            story.Where(t => (string)t[0]! == "a").Select(t => ((string)t[1]!, (string)t[2]!)));
        // b's recommendation to processing came from a reaching memory: it is part of b's story too.
        var memory = story.Single(t => (string)t[0]! == "a" && (string)t[2]! == "memory");
        Assert.Equal("processing", ((MsgMap)memory[3]!)["b"]);
        Assert.Equal("finished-a", memory[4]);
        Assert.All(story, t => Assert.IsType<double>(t[5]));
        (_, cmds) = h.Rpc("get_story", new MsgMap().Add("keys_or_stimuli", new object?[] { "b" }));
        Assert.Contains(((object?[])Assert.Single(cmds.OfType<Reply>()).Written()!).Cast<object?[]>(), t => (string)t[0]! == "a");
    }

    [Fact]
    public void The_log_keeps_only_the_configured_number_of_transitions()
    {
        var h = new Harness(new SchedulerConfig { TransitionLogLength = 5 });
        h.AddWorker(W1);
        h.AddClient(C);
        h.Submit(C, [("a", []), ("b", ["a"]), ("c", ["b"])], ["c"]);
        h.Finish(W1, "a");
        h.Finish(W1, "b");
        Assert.Equal(5, h.State.TransitionLog.Count);
        var all = h.State.TransitionLog.All().ToList();
        Assert.Contains(all, r => r.Key == "b" && r.Finish == TaskStatus.Memory);
        Assert.DoesNotContain(all, r => r.Key == "a" && r.Start == TaskStatus.Released); // the oldest are gone
        Assert.True(all.Zip(all.Skip(1)).All(p => p.First.Time <= p.Second.Time));
    }
}
