using Microsoft.Extensions.Time.Testing;
using Scheduler.Core.Config;
using Scheduler.Core.Engine;
using Scheduler.Core.Protocol;
using Scheduler.Core.State;

namespace Scheduler.Tests.State;

/// <summary>
/// The actor turns the state's <see cref="WakeupAt"/> into a timer that posts <see cref="Wakeup"/>: a short
/// timeout is answered when its deadline passes, not on the next 500 ms tick. A fake clock makes this exact.
/// </summary>
public class ActorWakeupTests
{
    private sealed class Sink : ICommandSink
    {
        public readonly List<Command> Commands = [];
        public void Execute(IReadOnlyList<Command> commands)
        {
            lock (Commands) Commands.AddRange(commands);
        }
        public Reply[] Replies(long id)
        {
            lock (Commands) return Commands.OfType<Reply>().Where(r => r.ReplyId == id).ToArray();
        }
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        for (int i = 0; i < 1000 && !condition(); i++) await Task.Delay(10);
        Assert.True(condition());
    }

    [Fact]
    public async Task A_short_event_wait_is_answered_by_the_wakeup_timer_at_its_deadline()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddSeconds(1_800_000_000));
        var actor = new SchedulerActor(new SchedulerState(new SchedulerConfig(), new SchedulerIdentity("Scheduler-test", 1)), clock);
        var sink = new Sink();
        actor.Attach(sink);
        using var stop = new CancellationTokenSource();
        var run = actor.RunAsync(stop.Token);

        actor.Post(new RpcRequest(7, "event_wait", new MsgMap().Add("op", "event_wait").Add("name", "E").Add("timeout", 0.05)));
        // The sink gets the commands after the actor has made the timer: waiting on Handled alone let the clock move
        // before the timer existed (then its due time was measured from the moved clock, and it never fired).
        await UntilAsync(() => { lock (sink.Commands) return sink.Commands.OfType<WakeupAt>().Any(); });
        Assert.Equal(1, actor.Handled);
        Assert.Empty(sink.Replies(7));

        // Before the deadline the timer has not fired: nothing is posted.
        clock.Advance(TimeSpan.FromMilliseconds(30));
        await Task.Delay(50);
        Assert.Equal(1, actor.Handled);
        Assert.Empty(sink.Replies(7));

        // Past the deadline (and its 2 ms slack) the timer posts a wake-up, which times the waiter out.
        clock.Advance(TimeSpan.FromMilliseconds(30));
        await UntilAsync(() => sink.Replies(7).Length == 1);
        Assert.Equal(false, sink.Replies(7)[0].Written());
        Assert.Equal(2, actor.Handled);

        stop.Cancel();
        await run;
    }
}
