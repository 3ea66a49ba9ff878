namespace Scheduler.Host.Hosting;

/// <summary>Host settings: the "Scheduler" section of appsettings.json, overridden by the dask-scheduler CLI flags.</summary>
public sealed class SchedulerOptions
{
    /// <summary>Interface to bind ("" = all interfaces, as dask-scheduler).</summary>
    public string Host { get; set; } = "";
    /// <summary>The Dask TCP port (0 = any free port).</summary>
    public int Port { get; set; } = 8786;
    /// <summary>HTTP address for the dashboard, REST API and /health, "[host]:port".</summary>
    public string DashboardAddress { get; set; } = ":8787";
    /// <summary>Serve no dashboard pages (HTTP still answers /health, as Dask keeps its HTTP server).</summary>
    public bool NoDashboard { get; set; }
    /// <summary>Where to write the JSON that dask-worker --scheduler-file and Client(scheduler_file=) read.</summary>
    public string? SchedulerFile { get; set; }
    /// <summary>
    /// Warm-up rounds before the listener opens (<see cref="StartupWarmup"/>): enough for the runtime to recompile the
    /// hot paths before the first workload instead of during it. 0 keeps only the single first-use pass.
    /// </summary>
    public int WarmupRounds { get; set; } = 40;
}
