namespace Scheduler.Core.Graph;

/// <summary>
/// A graph as the scheduler builds it from update-graph(-hlg): key -> task spec (insertion order kept),
/// key -> dependency keys, and per-annotation key -> value maps.
/// </summary>
public sealed class UnpackedGraph
{
    public Dictionary<string, object?> Tasks { get; } = [];
    public Dictionary<string, HashSet<string>> Dependencies { get; } = [];
    public Dictionary<string, Dictionary<string, object?>> Annotations { get; } = [];
}

/// <summary>A layer this scheduler cannot expand; the user gets this message as the task error.</summary>
public sealed class UnsupportedLayerException(string message) : Exception(message);
