using Scheduler.Perf.Graphs;
using Scheduler.Perf.Matrix;

namespace Scheduler.Tests.Perf;

public class StateMemoryTests
{
    [Fact]
    public void The_state_holds_every_task_of_a_graph_taken_in_without_workers_and_its_size_is_counted()
    {
        var (perTask, state) = StateMemory.Measure("merge-30000");
        Assert.Equal(GraphShapes.Parse("merge-30000").Tasks.Count, state.Tasks.Count);
        Assert.Equal(0, state.PendingGraphSlices);
        // A task state, its sets, key and spec: hundreds of bytes, not tens, nor the message's kilobytes.
        Assert.InRange(perTask, 300, 3000);
    }
}
