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
        // The 2024.12 session reads its pickled graph, dispatches and finishes its task, and answers the gather: a
        // graph the reader refused would leave nothing processing.
        Assert.True(ended.Finished2024 == 1, $"the 2024.12 submit finished {ended.Finished2024} keys, not 1");
        Assert.True(ended.Gathered2024, "the 2024.12 gather was not answered");
    }
}
