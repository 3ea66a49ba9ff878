namespace Scheduler.Core.Protocol.Binding;

// The worker stream ops a 2024.12 worker sends differently.
public sealed partial class Dask2024Binder
{
    /// <summary>task-finished and task-erred echo compute-task's run_id, so a report of a replaced dispatch is stale.</summary>
    protected override long? RunId(MsgMap m) => m["run_id"] as long?;
}
