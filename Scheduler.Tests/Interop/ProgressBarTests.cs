namespace Scheduler.Tests.Interop;

/// <summary>
/// Real progress bars (console, programmatic and the notebook widgets) against the real host with a real worker,
/// and the requests that would run Python on the scheduler, which reach the user as readable exceptions.
/// </summary>
[Collection("interop")]
public sealed class ProgressBarTests
{
    [Fact]
    public async Task Progress_bars_run_to_completion_and_python_on_the_scheduler_is_refused_readably()
    {
        await using var cluster = await DaskCluster.StartAsync(workers: 1);
        var output = await cluster.RunScriptAsync("progress.py", TimeSpan.FromSeconds(180));
        foreach (var step in new[]
                 {
                     "OK console progress", "OK progress replies", "OK progress error", "OK multi progress", "OK notebook widgets",
                     "OK progress waits for keys", "OK custom func refused", "OK unknown feed refused", "OK python-on-scheduler refused",
                 })
            Assert.Contains(step, output);
        Assert.Contains("refused a feed", cluster.Scheduler.Output);
    }

    [Fact]
    public async Task Performance_report_writes_our_own_html_of_the_period()
    {
        await using var cluster = await DaskCluster.StartAsync(workers: 2);
        var output = await cluster.RunScriptAsync("perf_report.py");
        Assert.Contains("OK performance_report", output);
    }
}
