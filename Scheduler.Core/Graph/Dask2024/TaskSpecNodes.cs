using Scheduler.Core.Pickle.Symbolic;

namespace Scheduler.Core.Graph.Dask2024;

/// <summary>
/// Recognises <c>dask._task_spec</c> objects in a pickle (dask 2024.12: NEWOBJ + BUILD((None, {slots})), except
/// DataNode, which reduces to <c>DataNode(key, value)</c>) and reads the dependencies the client computed.
/// </summary>
internal static class TaskSpecNodes
{
    public const string Module = "dask._task_spec";

    /// <summary>True for a GraphNode (Task, Alias, DataNode, List, Tuple, Dict, Set, ...), not a TaskRef.</summary>
    public static bool IsGraphNode(PickleNode node) =>
        node.IsCall && node.Callable!.Kind == NodeKind.Global && (string?)node.Callable.Value == Module && node.Callable.Name != "TaskRef";

    public static bool IsClass(PickleNode node, string name) =>
        node.IsCall && node.Callable!.IsGlobal(Module, name);

    /// <summary>
    /// A reference to a task's result outside the graph-node classes: <c>dask._task_spec.TaskRef</c> (slot
    /// <c>key</c>) or <c>distributed.client.Future</c> (<c>Future.__reduce__</c> is <c>(Future, (key,))</c>).
    /// Dask turns both into an Alias of the key.
    /// </summary>
    public static PickleNode? TaskRefKey(PickleNode node)
    {
        if (!node.IsCall || node.Callable!.Kind != NodeKind.Global) return null;
        if (node.Callable.IsGlobal(Module, "TaskRef")) return ObjectState.Get(node, "key");
        if (node.Callable.IsGlobal("distributed.client", "Future"))
            return node.Args is { Kind: NodeKind.Tuple } a && a.Items.Count > 0 ? a.Items[0] : ObjectState.Get(node, "key");
        return null;
    }

    /// <summary>Adds what a GraphNode depends on (its <c>_dependencies</c> slot; none for a DataNode).</summary>
    public static void AddDependencies(PickleNode graphNode, HashSet<string> into)
    {
        if (graphNode.Callable!.Name == "DataNode") return;
        if (!ObjectState.TryGet(graphNode, "_dependencies", out var deps))
            throw new UnsupportedLayerException($"a {Module}.{graphNode.Callable.Name} without _dependencies: not the dask 2024.12 layout this scheduler reads.");
        var items = ObjectState.SetItems(deps)
            ?? throw new UnsupportedLayerException($"the _dependencies of a {Module}.{graphNode.Callable.Name} are a {KeyNodes.Describe(deps)}, not a set.");
        for (int i = 0; i < items.Count; i++) into.Add(KeyNodes.Key(items[i], "a dependency"));
    }

    /// <summary>
    /// Dependencies of an argument as <c>Task.__init__</c> sees it: a GraphNode contributes its dependencies, a
    /// TaskRef its key; anything else none (dask does not look inside plain values any more).
    /// </summary>
    public static void AddArgumentDependencies(PickleNode arg, HashSet<string> into)
    {
        if (IsGraphNode(arg)) AddDependencies(arg, into);
        else if (TaskRefKey(arg) is { } key) into.Add(KeyNodes.Key(key, "a TaskRef's key"));
    }

    /// <summary>True for an <c>Alias</c> whose target is <paramref name="key"/>: dask drops it from the graph.</summary>
    public static bool IsSelfAlias(PickleNode node, string key) =>
        IsClass(node, "Alias") && ObjectState.TryGet(node, "target", out var target) && KeyNodes.TryKey(target, out var t) && t == key;
}
