using Scheduler.Core.State;

namespace Scheduler.Tests.State;

/// <summary>The queue's heap against the sorted set it replaced: same minimum, same order, same membership.</summary>
public class TaskHeapTests
{
    private static readonly TaskGroup Group = new("g", new TaskPrefix("g", -1));

    private static TaskState Task(long sequence, Priority? priority) =>
        new($"t-{sequence}", null, Group, sequence) { Priority = priority };

    [Fact]
    public void Random_adds_and_removes_keep_the_order_of_a_sorted_set()
    {
        var random = new Random(7);
        var heap = new TaskHeap();
        var reference = new SortedSet<TaskState>(PriorityComparer.Instance);
        var all = Enumerable.Range(0, 400)
            // Few distinct priorities, so that ties (broken by creation order) are common; some two-element ones.
            .Select(i => Task(i, random.Next(5) == 0 ? new Priority(random.Next(3), 0) : new Priority(0, random.Next(3), random.Next(20))))
            .ToList();
        for (int step = 0; step < 5000; step++)
        {
            var ts = all[random.Next(all.Count)];
            if (random.Next(3) == 0) Assert.Equal(reference.Remove(ts), heap.Remove(ts));
            else Assert.Equal(reference.Add(ts), heap.Add(ts));
            Assert.Equal(reference.Count, heap.Count);
            Assert.Same(reference.Count > 0 ? reference.Min : null, heap.Min);
            Assert.Equal(reference.Contains(ts), heap.Contains(ts));
            if (step % 250 == 0) Assert.Equal(reference.ToList(), heap.ToList());
        }
        Assert.Equal(reference.ToList(), heap.ToList());
        Assert.Equal(reference.Take(7).ToList(), heap.Take(7).ToList());
        foreach (var ts in all) Assert.Equal(reference.Contains(ts), heap.Contains(ts));
    }

    [Fact]
    public void A_removed_task_is_not_contained_and_changing_the_heap_during_enumeration_fails()
    {
        var heap = new TaskHeap();
        var a = Task(1, new Priority(0, 0, 1));
        var b = Task(2, new Priority(0, 0, 0));
        heap.Add(a);
        heap.Add(b);
        Assert.Same(b, heap.Min);
        Assert.True(heap.Remove(b));
        Assert.False(heap.Contains(b));
        Assert.False(heap.Remove(b));
        Assert.Same(a, heap.Min);
        heap.Add(b);
        Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (var ts in heap) heap.Remove(ts);
        });
    }
}
