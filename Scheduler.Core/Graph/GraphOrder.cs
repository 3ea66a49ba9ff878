namespace Scheduler.Core.Graph;

/// <summary>
/// Priorities for a graph sent without them (<c>priority: null</c>, every compute()): Dask's own static order,
/// <see cref="DaskOrder"/> (a port of <c>dask.order.order</c> from dask 2022.12.1).
/// </summary>
public static class GraphOrder
{
    /// <summary>
    /// Same contract as <c>dask.order.order(dsk, dependencies=stripped_deps)</c> in Python's
    /// <c>update_graph_hlg</c>: every key of <paramref name="tasks"/> gets a distinct priority 0..n-1; dependencies
    /// outside <paramref name="tasks"/> are ignored. The task values are not read (they do not influence Dask's
    /// result when dependencies are given). Throws <see cref="InvalidOperationException"/> for a cyclic graph,
    /// where Python raises RuntimeError.
    /// Python orders the whole graph of the update-graph-hlg message (after removing self-dependencies), before
    /// update_graph drops tasks whose results are already in memory or lost; the numbers agree with Python's only
    /// when this is given that same graph.
    /// </summary>
    public static Dictionary<string, long> Order(IReadOnlyDictionary<string, object?> tasks, IReadOnlyDictionary<string, HashSet<string>> dependencies)
        => DaskOrder.Order(tasks, dependencies);
}
