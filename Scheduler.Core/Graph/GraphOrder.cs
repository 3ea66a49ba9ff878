namespace Scheduler.Core.Graph;

/// <summary>
/// Priorities for a graph sent without them (<c>priority: null</c>, every compute()).
/// A depth-first order that finishes one branch before starting the next, which keeps the number of
/// results held in memory low, like dask.order (whose exact port is a later step).
/// </summary>
public static class GraphOrder
{
    public static Dictionary<string, long> Order(IReadOnlyDictionary<string, object?> tasks, IReadOnlyDictionary<string, HashSet<string>> dependencies)
    {
        var dependents = new Dictionary<string, List<string>>();
        foreach (var k in tasks.Keys) dependents[k] = [];
        foreach (var (k, deps) in dependencies)
        {
            if (!tasks.ContainsKey(k)) continue;
            foreach (var d in deps)
                if (dependents.TryGetValue(d, out var list)) list.Add(k);
        }
        var order = new Dictionary<string, long>(tasks.Count);
        long next = 0;
        // Walk from each output (a key nothing in the graph depends on) and emit dependencies first.
        var stack = new Stack<(string Key, bool Expanded)>();
        foreach (var root in tasks.Keys.Where(k => dependents[k].Count == 0).Reverse())
        {
            stack.Push((root, false));
            while (stack.Count > 0)
            {
                var (key, expanded) = stack.Pop();
                if (order.ContainsKey(key)) continue;
                if (expanded) { order[key] = next++; continue; }
                stack.Push((key, true));
                if (dependencies.TryGetValue(key, out var deps))
                    foreach (var d in deps.OrderByDescending(x => x, StringComparer.Ordinal))
                        if (tasks.ContainsKey(d) && !order.ContainsKey(d)) stack.Push((d, false));
            }
        }
        foreach (var k in tasks.Keys) if (!order.ContainsKey(k)) order[k] = next++;
        return order;
    }
}
