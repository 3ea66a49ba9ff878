using Scheduler.Core.State;

namespace Scheduler.Tests.State;

/// <summary>A priority goes to the worker as Python's scheduler sends it: whole numbers as ints, the rest as floats.</summary>
public class PriorityWireTests
{
    [Fact]
    public void Whole_elements_are_ints_and_fractions_stay_floats()
    {
        var wire = new Priority(0, -3, 2.5).ToWire();
        Assert.Equal(0L, Assert.IsType<long>(wire[0]));
        Assert.Equal(-3L, Assert.IsType<long>(wire[1]));
        Assert.Equal(2.5, Assert.IsType<double>(wire[2]));
        // past what a double holds exactly as an int
        Assert.Equal(1e16, Assert.IsType<double>(new Priority(1e16, 0).ToWire()[0]));
    }
}
