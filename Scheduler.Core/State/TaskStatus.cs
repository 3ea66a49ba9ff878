namespace Scheduler.Core.State;

/// <summary>The scheduler-side task states of Dask 2022.12.1.</summary>
public enum TaskStatus
{
    Released,
    Waiting,
    NoWorker,
    Queued,
    Processing,
    Memory,
    Erred,
    Forgotten,
}

public static class TaskStatusNames
{
    /// <summary>The names Dask uses on the wire and in its APIs ("no-worker", not "NoWorker").</summary>
    public static string Wire(this TaskStatus s) => s switch
    {
        TaskStatus.Released => "released",
        TaskStatus.Waiting => "waiting",
        TaskStatus.NoWorker => "no-worker",
        TaskStatus.Queued => "queued",
        TaskStatus.Processing => "processing",
        TaskStatus.Memory => "memory",
        TaskStatus.Erred => "erred",
        _ => "forgotten",
    };
}
