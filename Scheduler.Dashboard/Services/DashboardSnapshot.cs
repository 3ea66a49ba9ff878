using Scheduler.Core.Views;

namespace Scheduler.Dashboard.Services;

/// <summary>Everything the status page draws, read in one query: immutable, safe to render from any circuit.</summary>
public sealed record DashboardSnapshot(
    ClusterSummary Summary,
    IReadOnlyList<GroupView> Groups,
    IReadOnlyList<WorkerView> Workers,
    IReadOnlyList<ComputationView> Computations,
    IReadOnlyList<TaskStreamBar> TaskStream,
    DateTime TakenAt)
{
    public bool IsEmpty => Summary.Workers == 0 && Summary.Tasks == 0;
}
