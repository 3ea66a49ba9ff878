using Scheduler.Core.Pickle.Symbolic;

namespace Scheduler.Core.Graph.Dask2024;

/// <summary>
/// The dependencies dask 2024.12's <c>convert_legacy_task</c> would find in a legacy value (a task tuple or
/// data), read symbolically: a str, bytes or tuple equal to a graph key is a reference (checked after the
/// "tuple whose first item is callable" rule, as dask does), lists/tuples/sets are searched, dict arguments of a
/// task and plain dicts are not, GraphNodes and TaskRefs give what they reference, and a SubgraphCallable's inner
/// keys are not dependencies. Python compares with its own equality (1 == 1.0), this compares key strings: the
/// set can differ only for keys that mix equal numbers of different types.
/// </summary>
internal sealed class LegacyDependencies(PickleBounds bounds)
{
    private const int MaxSubgraphNesting = 32;

    // Known constructors whose result is callable, for the callable(task[0]) test of a task tuple. Matched on
    // (module, name) as the global holds them: joining them into one string per task tuple cost a string each.
    private static bool IsCallableMaker(string? module, string? name) => (module, name) switch
    {
        ("functools", "partial") or ("dask.optimization", "SubgraphCallable") or ("toolz.functoolz", "Compose")
            or ("toolz.functoolz", "curry") or ("cloudpickle.cloudpickle", "_make_function")
            or ("cloudpickle.cloudpickle", "_make_skeleton_class") or ("cloudpickle.cloudpickle", "_builtin_type")
            or ("builtins", "getattr") or ("_operator", "methodcaller") or ("_operator", "itemgetter")
            or ("_operator", "attrgetter") or ("dask.utils", "methodcaller") or ("copyreg", "__newobj__") => true,
        _ => false,
    };

    private readonly Stack<PickleNode> _work = new();
    private readonly HashSet<PickleNode> _seen = new(ReferenceEqualityComparer.Instance);

    /// <summary>Adds to <paramref name="into"/> the keys of <paramref name="keys"/> that <paramref name="value"/> references, except <paramref name="self"/>.</summary>
    public void Collect(PickleNode value, IReadOnlyDictionary<string, PickleNode> keys, string? self, HashSet<string> into, bool numberKeys = false)
    {
        // The graph's scope is the same for every task of a graph: made once, not per task.
        if (_graphScope == null || !_graphScope.Holds(keys, numberKeys)) _graphScope = new KeyScope(keys, null, numberKeys);
        Collect(value, _graphScope, self, into, 0);
    }

    private KeyScope? _graphScope;

    private void Collect(PickleNode value, KeyScope keys, string? self, HashSet<string> into, int nesting)
    {
        int floor = _work.Count;
        if (nesting == 0) _seen.Clear();
        _work.Push(value);
        while (_work.Count > floor)
        {
            var n = _work.Pop();
            if (n.IsScalar)
            {
                // an int or float argument equal to an int or float key is a reference too (only looked up when the
                // graph has such keys: most graphs have many number arguments and no number keys)
                if (keys.Numbers && n.Kind is NodeKind.Int or NodeKind.Float && KeyNodes.TryKey(n, out var number) && keys.Contains(number) && number != self)
                    into.Add(number);
                continue;
            }
            if (n.IsCall)
            {
                if (TaskSpecNodes.IsGraphNode(n)) TaskSpecNodes.AddDependencies(n, into);
                else if (TaskSpecNodes.TaskRefKey(n) is { } refKey) into.Add(KeyNodes.Key(refKey, "a TaskRef's key"));
                continue;
            }
            if (n.Kind == NodeKind.Tuple && n.Items.Count > 0 && IsCallable(n.Items[0]))
            {
                if (n.Referenced && !_seen.Add(n)) continue; // a node reachable once is visited once
                var items = n.Items;
                if (items[0].IsCall && items[0].Callable!.IsGlobal("dask.optimization", "SubgraphCallable")) Subgraph(items[0], keys, into, nesting);
                for (int i = 1; i < items.Count; i++)
                {
                    if (items[i].Kind == NodeKind.Dict)
                    {
                        // dask wraps a dict argument in Dict(a): only graph nodes inside it are references
                        foreach (var (_, v) in items[i].Pairs) TaskSpecNodes.AddArgumentDependencies(v, into);
                    }
                    else
                    {
                        _work.Push(items[i]);
                    }
                }
                continue;
            }
            if (n.Kind is NodeKind.Str or NodeKind.Bytes or NodeKind.Tuple
                && KeyNodes.TryKey(n, out var key) && keys.Contains(key))
            {
                if (key != self) into.Add(key);
                continue;
            }
            if (n.Kind is NodeKind.Tuple or NodeKind.List or NodeKind.Set or NodeKind.FrozenSet)
            {
                if (n.Referenced && !_seen.Add(n)) continue; // a node reachable once is visited once
                var items = n.Items;
                for (int i = items.Count - 1; i >= 0; i--) _work.Push(items[i]);
            }
        }
    }

    /// <summary>
    /// <c>SubgraphCallable(dsk, outkey, inkeys, name)</c>: what its inner tasks reference outside the subgraph
    /// (its own keys and input keys are internal); its explicit inputs are the task tuple's other items.
    /// </summary>
    private void Subgraph(PickleNode callable, KeyScope keys, HashSet<string> into, int nesting)
    {
        if (nesting >= MaxSubgraphNesting || nesting >= bounds.MaxDepth)
            throw new PickleRefusedException($"SubgraphCallables nested deeper than {MaxSubgraphNesting}");
        if (callable.Args is not { Kind: NodeKind.Tuple } args || args.Items.Count < 3 || args.Items[0].Kind != NodeKind.Dict) return;
        var inner = new Dictionary<string, PickleNode>();
        bool numbers = keys.Numbers;
        foreach (var (k, _) in args.Items[0].Pairs)
            if (KeyNodes.TryKey(k, out var s)) { inner[s] = k; numbers |= k.Kind is NodeKind.Int or NodeKind.Float; }
        var inkeys = args.Items[2];
        if (inkeys.Kind is NodeKind.Tuple or NodeKind.List)
            foreach (var k in inkeys.Items)
                if (KeyNodes.TryKey(k, out var s)) { inner[s] = k; numbers |= k.Kind is NodeKind.Int or NodeKind.Float; }
        var found = new HashSet<string>();
        var scope = new KeyScope(inner, keys, numbers);
        foreach (var (_, v) in args.Items[0].Pairs) Collect(v, scope, null, found, nesting + 1);
        foreach (var k in found)
            if (!inner.ContainsKey(k)) into.Add(k);
    }

    private static bool IsCallable(PickleNode node) =>
        node.Kind == NodeKind.Global
        || (node.IsCall && node.Callable!.Kind == NodeKind.Global && IsCallableMaker(node.Callable.Value as string, node.Callable.Name));

    /// <summary>The keys a reference may name: a subgraph's own keys, then the enclosing graph's.</summary>
    private sealed class KeyScope(IReadOnlyDictionary<string, PickleNode> keys, KeyScope? outer, bool numbers)
    {
        /// <summary>Whether some key in scope is an int or a float.</summary>
        public bool Numbers => numbers;

        public bool Contains(string key) => keys.ContainsKey(key) || (outer?.Contains(key) ?? false);

        public bool Holds(IReadOnlyDictionary<string, PickleNode> k, bool n) => outer == null && ReferenceEquals(keys, k) && numbers == n;
    }
}
