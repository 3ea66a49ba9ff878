using Scheduler.Core.Pickle;

namespace Scheduler.Core.Diagnostics;

/// <summary>
/// The few functions distributed itself sends to <c>run_function</c> (Client.run_on_scheduler) that this scheduler
/// answers natively, recognised from their pickles like the progress feeds; every other function is refused.
/// </summary>
public static class SchedulerFunctions
{
    /// <summary>performance_report's <c>lambda dask_scheduler: dask_scheduler.monitor.count</c> (a sample counter).</summary>
    public const string MonitorCount = "monitor.count";

    /// <summary>The known function this pickle is, or null.</summary>
    public static string? Recognize(object? function)
    {
        if (function is not byte[] bytes) return null;
        try
        {
            var f = CloudpickledFunction.Describe(bytes);
            return f is { Module: "distributed.client", Qualname: "performance_report.__aenter__.<locals>.<lambda>" } ? MonitorCount : null;
        }
        catch (PickleScanException)
        {
            return null;
        }
    }
}
