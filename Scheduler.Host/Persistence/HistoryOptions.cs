namespace Scheduler.Host.Persistence;

/// <summary>The "History" section of appsettings.json.</summary>
public sealed class HistoryOptions
{
    /// <summary>Off: no database, no events recorded.</summary>
    public bool Enabled { get; set; } = true;
    /// <summary>Computations (with their tasks) older than this are deleted.</summary>
    public double MaxAgeDays { get; set; } = 30;
    /// <summary>At most this many task rows are kept (the oldest go first).</summary>
    public long MaxTasks { get; set; } = 2_000_000;
    /// <summary>How often retention runs.</summary>
    public double RetentionIntervalMinutes { get; set; } = 10;
    /// <summary>A batch is written at least this often while events arrive.</summary>
    public int FlushMilliseconds { get; set; } = 200;
}
