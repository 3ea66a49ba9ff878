using Scheduler.Core.Pickle.Symbolic;

namespace Scheduler.Core.Graph.Dask2024;

/// <summary>
/// Run specs the client did not build as <c>dask._task_spec</c> objects, written as calls that dask's own code
/// makes on the worker while it unpickles the run spec. The worker runs the client's code anyway; this keeps the
/// slot layout of dask's classes out of C#.
/// </summary>
internal static class DeferredRunSpecs
{
    /// <summary>
    /// <c>operator.getitem(dask._task_spec.convert_legacy_graph({key: value}, frozenset(deps)), key)</c>: the Task,
    /// Alias or DataNode dask itself makes of a legacy tuple or plain value. <paramref name="deps"/> is the
    /// conversion's key set, so exactly those references become Aliases.
    /// </summary>
    public static PickleNode Legacy(PickleNode key, PickleNode value, IEnumerable<PickleNode> deps)
    {
        var converted = PickleNode.Call(
            PickleNode.Global(TaskSpecNodes.Module, "convert_legacy_graph"),
            PickleNode.Dict(new KeyValuePair<PickleNode, PickleNode>(key, value)),
            PickleNode.FrozenSet([.. deps]));
        return PickleNode.Call(PickleNode.Global("_operator", "getitem"), converted, key);
    }

    /// <summary>
    /// <c>dask._task_spec.Task(key, func, *args)</c>, or with keyword arguments
    /// <c>functools.partial(Task, key, func, *args, **kwargs)()</c> (pickle's REDUCE has no keywords; a partial
    /// restored by BUILD((func, args, kwargs, None)) carries them).
    /// </summary>
    public static PickleNode Task(PickleNode key, PickleNode func, IReadOnlyList<PickleNode> args, IReadOnlyList<KeyValuePair<PickleNode, PickleNode>> kwargs)
    {
        var task = PickleNode.Global(TaskSpecNodes.Module, "Task");
        var positional = new PickleNode[args.Count + 2];
        positional[0] = key;
        positional[1] = func;
        for (int i = 0; i < args.Count; i++) positional[i + 2] = args[i];
        if (kwargs.Count == 0) return PickleNode.Call(task, positional);
        var partial = PickleNode.Call(PickleNode.Global("functools", "partial"), task);
        partial.AddState(PickleNode.Tuple(task, PickleNode.Tuple(positional), PickleNode.Dict([.. kwargs]), PickleNode.None()));
        return PickleNode.Reduce(partial, PickleNode.Tuple());
    }
}
