using Scheduler.Core.State;

namespace Scheduler.Tests.State;

/// <summary>The bounded buffer behind the task stream: sequence numbers survive wrapping, readers get only what is new.</summary>
public class RecentRecordsTests
{
    [Fact]
    public void Keeps_the_newest_records_in_order_with_their_sequence_numbers_after_wrapping()
    {
        var r = new RecentRecords<string>(3);
        foreach (var x in new[] { "a", "b", "c", "d", "e" }) r.Add(x);
        Assert.Equal(5, r.Total);
        Assert.Equal(3, r.Count);
        Assert.Equal(3, r.FirstSequence);
        Assert.Equal(["c", "d", "e"], r.All());
        Assert.Equal([(4L, "d"), (5L, "e")], r.After(3));
        Assert.Equal("c", r.At(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => r.At(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => r.At(6));
    }

    [Fact]
    public void A_reader_that_fell_behind_gets_what_is_still_held_and_a_current_reader_gets_nothing()
    {
        var r = new RecentRecords<int>(4);
        for (int i = 1; i <= 10; i++) r.Add(i * 10);
        Assert.Equal([70, 80, 90, 100], r.After(1).Select(x => x.Item));
        Assert.Empty(r.After(10));
        Assert.Empty(new RecentRecords<int>(4).After(0));
    }
}
