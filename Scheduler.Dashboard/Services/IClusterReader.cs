using Scheduler.Core.State;

namespace Scheduler.Dashboard.Services;

/// <summary>Reads the scheduler's state on its own thread (the host posts a StateQuery). Never blocks the scheduler.</summary>
public interface IClusterReader
{
    Task<T> ReadAsync<T>(Func<SchedulerState, T> read, CancellationToken ct = default);

    /// <summary>Bumped after every stimulus the scheduler handled: unchanged means nothing to re-read.</summary>
    long Version { get; }
}
