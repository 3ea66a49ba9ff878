namespace Scheduler.Perf.Matrix;

/// <summary>One cell of the matrix for one scheduler: a shape and size run on a number of zero workers.</summary>
public sealed record CellResult(string Scheduler, string Shape, int Size, int Workers, int Runs, int Tasks,
    double WallSeconds, double CpuSeconds, int Erred)
{
    public double TasksPerSecond => (double)Tasks * Runs / WallSeconds;
    public double CpuMicrosPerTask => CpuSeconds / ((double)Tasks * Runs) * 1e6;
}

/// <summary>What idle connected workers cost: scheduler CPU over a quiet window.</summary>
public sealed record IdleResult(string Scheduler, int Workers, double Seconds, double CpuSeconds)
{
    public double PercentOfCore => CpuSeconds / Seconds * 100;
}

/// <summary>
/// One big graph: memory held per task while it waits (no workers yet), then the run, with the longest
/// round trip another client saw meanwhile (a probe RPC every 10 ms).
/// </summary>
public sealed record BigResult(string Scheduler, string Graph, int Tasks, long RssBefore, long RssHeld, long RssPeak,
    double IngestSeconds, double RunSeconds, double CpuSeconds, double MaxPauseMs, double P99PauseMs, int Probes)
{
    public double HeldBytesPerTask => (double)(RssHeld - RssBefore) / Tasks;

    /// <summary>Live managed heap (after a full collection) before the graph and with it held; null for a non-.NET scheduler.</summary>
    public long? LiveHeapBefore { get; init; }
    public long? LiveHeapHeld { get; init; }
    public double? LiveBytesPerTask => LiveHeapHeld is { } h && LiveHeapBefore is { } b ? (double)(h - b) / Tasks : null;
}

public sealed class MatrixResults
{
    public DateTime Started { get; init; } = DateTime.UtcNow;
    public string Machine { get; init; } = $"{Environment.ProcessorCount} cores, .NET {Environment.Version}";
    public Dictionary<string, string> Commands { get; init; } = [];
    public List<CellResult> Cells { get; init; } = [];
    public List<IdleResult> Idle { get; init; } = [];
    public List<BigResult> Big { get; init; } = [];
}
