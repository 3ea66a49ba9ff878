using Scheduler.Core.Config;
using Scheduler.Core.Protocol;
using Scheduler.Core.Protocol.Dialects;
using Scheduler.Core.State;

namespace Scheduler.Tests.State;

/// <summary>
/// Dask 2024.12's scheduler errs a task whose inputs alone exceed its worker's memory_limit, with a MemoryError, and
/// never sends it (test_refuse_to_schedule_huge_task); 2022.12's sends it. Workers here have a 1 GiB memory_limit.
/// </summary>
public class MemoryLimitRefusalTests
{
    private const string W = "tcp://127.0.0.1:1", C = "Client-1";
    private const string Finalize = "finalize-0123456789abcdef0123456789abcdef";

    private static (Harness H, IReadOnlyList<Command> Last) Run(DaskDialect dialect, long inputBytes, SchedulerConfig? config = null)
    {
        var h = config == null ? new Harness() : new Harness(config);
        h.AddClient(C, dialect);
        h.AddWorker(W, dialect: dialect);
        h.Submit(C, [("a", []), ("b", []), (Finalize, ["a", "b"])], [Finalize]);
        h.Finish(W, "a", inputBytes / 2);
        return (h, h.Finish(W, "b", inputBytes / 2));
    }

    [Fact]
    public void A_2024_task_whose_inputs_exceed_the_memory_limit_errs_and_never_reaches_the_worker()
    {
        var (h, last) = Run(DaskDialect.Dask2024, 3L << 30);

        Assert.Empty(Harness.ComputeTasks(last, DaskDialect.Dask2024));
        Assert.Equal(TaskStatus.Erred, h.StatusOf(Finalize));
        var text = h.State.Tasks[Finalize].ExceptionText;
        Assert.Equal($"MemoryError: Task '{Finalize}' has 3.00 GiB worth of input dependencies, but worker {W} has memory_limit set to " +
                     "1.00 GiB. It seems like you called client.compute() on a huge collection. Consider writing to distributed storage " +
                     "or slicing/reducing first.", text);
        Assert.Single(Harness.ToClient(last, C, "task-erred", DaskDialect.Dask2024));
        Assert.Empty(h.State.Workers[W].Processing);
    }

    [Fact]
    public void Inputs_within_the_limit_are_sent()
    {
        var (h, last) = Run(DaskDialect.Dask2024, 1L << 29);
        Assert.Single(Harness.ComputeTasks(last, DaskDialect.Dask2024));
        Assert.Equal(TaskStatus.Processing, h.StatusOf(Finalize));
    }

    [Fact]
    public void A_2022_task_is_sent_whatever_its_inputs_as_2022s_scheduler_does()
    {
        var (h, last) = Run(DaskDialect.Dask2022, 3L << 30);
        Assert.Single(Harness.ComputeTasks(last));
        Assert.Equal(TaskStatus.Processing, h.StatusOf(Finalize));
    }

    [Fact]
    public void With_memory_terminate_off_a_2024_task_is_sent()
    {
        var config = SchedulerConfig.FromDask(new DaskConfig(new Dictionary<string, string> { ["DASK_DISTRIBUTED__WORKER__MEMORY__TERMINATE"] = "False" }));
        Assert.False(config.MemoryTerminate);
        var (h, last) = Run(DaskDialect.Dask2024, 3L << 30, config);
        Assert.Single(Harness.ComputeTasks(last, DaskDialect.Dask2024));
        Assert.Equal(TaskStatus.Processing, h.StatusOf(Finalize));
    }
}
