using Scheduler.Core.Engine;

namespace Scheduler.Tests.State;

public class WarmupTests
{
    [Fact]
    public void The_startup_warmup_runs_its_whole_session_without_error()
    {
        // It runs in every host at startup, where an exception would only be swallowed: it must get to the end.
        var ended = Warmup.Run();
        Assert.True(ended.ActorErred, "the actor's future did not err when its worker left");
        Assert.True(ended.Finished >= 1, "no key reached memory");
    }
}
