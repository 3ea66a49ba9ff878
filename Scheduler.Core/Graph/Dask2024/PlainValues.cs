using Scheduler.Core.Pickle.Symbolic;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.Graph.Dask2024;

/// <summary>
/// Small pickled values the scheduler must understand (update-graph's <c>annotations</c>, <c>span_metadata</c>,
/// <c>code</c>; layer annotations) as plain msgpack-style values: string, long, double, bool, null, byte[],
/// <c>object?[]</c> for list, tuple, set and frozenset, <see cref="MsgMap"/> for dict. Anything else (a callable,
/// an object, a buffer) is refused: using it would need Python.
/// </summary>
public static class PlainValues
{
    private const int MaxPlainDepth = 100;

    /// <summary>Reads the plain value pickled in <paramref name="pickled"/>; throws <see cref="PickleRefusedException"/>.</summary>
    public static object? FromPickle(Pickled pickled, PickleBounds? bounds = null)
    {
        bounds ??= PickleBounds.Default;
        var root = SymbolicReader.Read(pickled.Pickle, bounds);
        return FromNode(root, bounds);
    }

    /// <summary>The plain value a node stands for; throws <see cref="PickleRefusedException"/> for non-plain content.</summary>
    public static object? FromNode(PickleNode node, PickleBounds? bounds = null) =>
        new Converter(Math.Min((bounds ?? PickleBounds.Default).MaxDepth, MaxPlainDepth)).Convert(node, 0);

    private sealed class Converter(int maxDepth)
    {
        // A value shared by several places is converted once (and stays shared), so a pickle of shared nested
        // lists cannot make the conversion exponential; a value reached from itself is refused.
        private readonly Dictionary<PickleNode, object?> _done = new(ReferenceEqualityComparer.Instance);
        private static readonly object InProgress = new();

        public object? Convert(PickleNode node, int depth)
        {
            switch (node.Kind)
            {
                case NodeKind.None: return null;
                case NodeKind.Bool: return (bool)node.Value!;
                case NodeKind.Int when node.Value is long l: return l;
                case NodeKind.Int: throw new PickleRefusedException("an int beyond 64 bits is not a plain value");
                case NodeKind.Float: return (double)node.Value!;
                case NodeKind.Str when node.Value is string s: return s;
                case NodeKind.Str: throw new PickleRefusedException("a str with lone surrogates is not a plain value");
                case NodeKind.Bytes: return (byte[])node.Value!;
            }
            if (depth >= maxDepth) throw new PickleRefusedException($"a plain value nested deeper than {maxDepth}");
            if (_done.TryGetValue(node, out var done))
                return ReferenceEquals(done, InProgress) ? throw new PickleRefusedException("a value that contains itself is not a plain value") : done;
            _done[node] = InProgress;
            object? result;
            switch (node.Kind)
            {
                case NodeKind.Tuple or NodeKind.List or NodeKind.Set or NodeKind.FrozenSet:
                    result = Sequence(node.Items, depth);
                    break;
                case NodeKind.Dict:
                    {
                        var map = new MsgMap(node.Pairs.Count);
                        foreach (var (k, v) in node.Pairs)
                        {
                            var key = Convert(k, depth + 1) ?? throw new PickleRefusedException("a dict with a None key is not a plain value");
                            map.Set(key, Convert(v, depth + 1));
                        }
                        result = map;
                        break;
                    }
                default:
                    if (node.Kind == NodeKind.Reduce && !node.HasExtras && ObjectState.SetItems(node) is { } items)
                    {
                        result = Sequence(items, depth); // builtins.set([...]) of protocols 0-3
                        break;
                    }
                    throw new PickleRefusedException($"a {Describe(node)} is not a plain value (a callable or object would need Python)");
            }
            _done[node] = result;
            return result;
        }

        private object?[] Sequence(IReadOnlyList<PickleNode> items, int depth)
        {
            var a = new object?[items.Count];
            for (int i = 0; i < a.Length; i++) a[i] = Convert(items[i], depth + 1);
            return a;
        }
    }

    internal static bool IsCallableValue(PickleNode node) => node.Kind == NodeKind.Global || (node.IsCall && ObjectState.SetItems(node) == null);

    private static string Describe(PickleNode node) => node.Kind switch
    {
        NodeKind.Global => $"global {node.Value}.{node.Name}",
        NodeKind.Buffer => "out-of-band buffer",
        _ when node.IsCall => $"call of {node.CallableName ?? "a computed callable"}",
        _ => node.Kind.ToString(),
    };
}
