using Scheduler.Core.Pickle.Symbolic;

namespace Scheduler.Core.Graph.Dask2024;

/// <summary>
/// Reads attributes of a pickled object from its BUILD states without building it. A state is either a
/// <c>__dict__</c> dict or, for classes with <c>__slots__</c>, a <c>(dict_or_None, {slot: value})</c> pair; the
/// last BUILD that sets an attribute wins, as <c>setattr</c> would.
/// </summary>
internal static class ObjectState
{
    public static bool TryGet(PickleNode obj, string name, out PickleNode value)
    {
        var states = obj.States;
        for (int s = states.Count - 1; s >= 0; s--)
        {
            var state = states[s];
            if (state.Kind == NodeKind.Dict)
            {
                if (TryGetStr(state, name, out value)) return true;
            }
            else if (state.Kind == NodeKind.Tuple && state.Items.Count == 2)
            {
                if (state.Items[1].Kind == NodeKind.Dict && TryGetStr(state.Items[1], name, out value)) return true;
                if (state.Items[0].Kind == NodeKind.Dict && TryGetStr(state.Items[0], name, out value)) return true;
            }
        }
        value = null!;
        return false;
    }

    public static PickleNode? Get(PickleNode obj, string name) => TryGet(obj, name, out var v) ? v : null;

    /// <summary>
    /// <see cref="TryGet"/> for two attributes in one pass over the states: a delayed graph has a layer per task, and
    /// a second pass over each layer's state cost more than the lookup itself (the layers are far apart in memory).
    /// </summary>
    public static void Get(PickleNode obj, string first, string second, out PickleNode? a, out PickleNode? b)
    {
        a = b = null;
        var states = obj.States;
        for (int s = states.Count - 1; s >= 0 && (a == null || b == null); s--)
        {
            var state = states[s];
            if (state.Kind == NodeKind.Dict) Find(state, first, second, ref a, ref b);
            else if (state.Kind == NodeKind.Tuple && state.Items.Count == 2)
            {
                if (state.Items[1].Kind == NodeKind.Dict) Find(state.Items[1], first, second, ref a, ref b);
                if (state.Items[0].Kind == NodeKind.Dict) Find(state.Items[0], first, second, ref a, ref b);
            }
        }
    }

    // The last pair with each name wins; a name found in a later state is not looked for again.
    private static void Find(PickleNode dict, string first, string second, ref PickleNode? a, ref PickleNode? b)
    {
        var pairs = dict.Pairs;
        for (int i = pairs.Count - 1; i >= 0 && (a == null || b == null); i--)
        {
            if (pairs[i].Key.Kind != NodeKind.Str || pairs[i].Key.Value is not string k) continue;
            if (a == null && k == first) a = pairs[i].Value;
            else if (b == null && k == second) b = pairs[i].Value;
        }
    }

    /// <summary>The value under str key <paramref name="name"/> of a dict node (the last one, like Python).</summary>
    public static bool TryGetStr(PickleNode dict, string name, out PickleNode value)
    {
        var pairs = dict.Pairs;
        for (int i = pairs.Count - 1; i >= 0; i--)
        {
            if (pairs[i].Key.Kind == NodeKind.Str && pairs[i].Key.Value is string k && k == name)
            {
                value = pairs[i].Value;
                return true;
            }
        }
        value = null!;
        return false;
    }

    /// <summary>
    /// The items of a set or frozenset node, also in the protocol 0-3 form <c>builtins.set([...])</c> /
    /// <c>builtins.frozenset([...])</c>; null when <paramref name="node"/> is not a set.
    /// </summary>
    public static IReadOnlyList<PickleNode>? SetItems(PickleNode node)
    {
        if (node.Kind is NodeKind.Set or NodeKind.FrozenSet) return node.Items;
        if (node.Kind == NodeKind.Reduce && node.Callable!.Kind == NodeKind.Global && (string?)node.Callable.Value == "builtins"
            && node.Callable.Name is "set" or "frozenset" && node.Args is { Kind: NodeKind.Tuple } args)
        {
            if (args.Items.Count == 0) return [];
            if (args.Items.Count == 1 && args.Items[0].Kind is NodeKind.List or NodeKind.Tuple) return args.Items[0].Items;
        }
        return null;
    }
}
