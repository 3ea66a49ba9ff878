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
    /// conversion's key set, so exactly those references become Aliases. (The graph reader writes it with
    /// <see cref="EmitLegacy"/>; this node form is its reference.)
    /// </summary>
    public static PickleNode Legacy(PickleNode key, PickleNode value, IEnumerable<PickleNode> deps)
    {
        key.Referenced = true; // written twice: the second is a memo GET
        var converted = PickleNode.Call(
            PickleNode.Global(TaskSpecNodes.Module, "convert_legacy_graph"),
            PickleNode.Dict(new KeyValuePair<PickleNode, PickleNode>(key, value)),
            PickleNode.FrozenSet([.. deps]));
        return PickleNode.Call(PickleNode.Global("_operator", "getitem"), converted, key);
    }

    // "_operator" "getitem" STACK_GLOBAL and "dask._task_spec" "convert_legacy_graph" STACK_GLOBAL, as the walk writes globals.
    private static readonly byte[] GetItem = [0x8c, 9, .. "_operator"u8, 0x8c, 7, .. "getitem"u8, 0x93];
    private static readonly byte[] ConvertLegacyGraph = [0x8c, 15, .. "dask._task_spec"u8, 0x8c, 20, .. "convert_legacy_graph"u8, 0x93];
    private const byte Mark = (byte)'(', EmptyDict = (byte)'}', SetItems = (byte)'u', FrozenSet = 0x91, Tuple2 = 0x86, Reduce = (byte)'R';

    /// <summary>
    /// Writes <see cref="Legacy"/>'s pickle straight into <paramref name="emitter"/>, byte for byte what emitting
    /// that node graph writes, without building the wrapper's nodes: a 2024.12 delayed graph has one per task, and
    /// they cost more than the rest of the task. The opcodes are the walk's for
    /// <c>Reduce(getitem, (Reduce(convert_legacy_graph, ({key: value}, frozenset(deps))), key))</c>, each wrapper
    /// object memoized as it completes and each container a nesting level.
    /// </summary>
    public static void EmitLegacy(SymbolicEmitter emitter, PickleNode key, PickleNode value, IReadOnlyList<PickleNode> deps)
    {
        key.Referenced = true;                // written twice: the second is a memo GET
        emitter.Begin();
        emitter.EnterLevel();                 // getitem(...)
        emitter.WriteRaw(GetItem);
        emitter.MemoizeAnonymous();
        emitter.EnterLevel();                 // (converted, key)
        emitter.EnterLevel();                 // convert_legacy_graph(...)
        emitter.WriteRaw(ConvertLegacyGraph);
        emitter.MemoizeAnonymous();
        emitter.EnterLevel();                 // ({key: value}, frozenset(deps))
        emitter.WriteRaw([EmptyDict]);
        emitter.MemoizeAnonymous();
        emitter.EnterLevel();                 // {key: value}
        emitter.WriteRaw([Mark]);
        emitter.EmitValue(key);
        emitter.EmitValue(value);
        emitter.WriteRaw([SetItems]);
        emitter.ExitLevel();
        emitter.WriteRaw([Mark]);
        emitter.EnterLevel();                 // frozenset(deps)
        for (int i = 0; i < deps.Count; i++) emitter.EmitValue(deps[i]);
        emitter.WriteRaw([FrozenSet]);
        emitter.MemoizeAnonymous();
        emitter.ExitLevel();
        emitter.WriteRaw([Tuple2]);
        emitter.MemoizeAnonymous();
        emitter.ExitLevel();
        emitter.WriteRaw([Reduce]);
        emitter.MemoizeAnonymous();
        emitter.ExitLevel();
        emitter.EmitValue(key);               // a memo GET: the dict's key
        emitter.WriteRaw([Tuple2]);
        emitter.MemoizeAnonymous();
        emitter.ExitLevel();
        emitter.WriteRaw([Reduce]);
        emitter.MemoizeAnonymous();
        emitter.ExitLevel();
        emitter.End();
    }

    /// <summary>
    /// <c>dask._task_spec.Task(key, func, *args)</c>, or with keyword arguments
    /// <c>functools.partial(Task, key, func, *args, **kwargs)()</c> (pickle's REDUCE has no keywords; a partial
    /// restored by BUILD((func, args, kwargs, None)) carries them).
    /// </summary>
    public static PickleNode Task(PickleNode key, PickleNode func, IReadOnlyList<PickleNode> args, IReadOnlyList<KeyValuePair<PickleNode, PickleNode>> kwargs)
    {
        // A _MapLayer places its function (and any constant argument) in every task's pickle: marked so that the
        // emitter writes such a value once and replays it.
        func.Referenced = true;
        foreach (var a in args) a.Referenced = true;
        foreach (var (_, v) in kwargs) v.Referenced = true;
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
