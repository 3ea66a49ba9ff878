using Scheduler.Core.Pickle;
using Scheduler.Core.Pickle.Symbolic;
using Scheduler.Core.State;

namespace Scheduler.Core.Graph.Dask2024;

/// <summary>
/// Task keys from nodes, in the scheduler's internal form (<see cref="TaskKeys"/>): a str is itself, a bytes, int or
/// float key is its marked form, a tuple (of str, int, float and nested tuples) is its Python repr, "('x', 0)".
/// </summary>
internal static class KeyNodes
{
    private const int MaxKeyDepth = 32;

    public static bool TryKey(PickleNode node, out string key)
    {
        switch (node.Kind)
        {
            case NodeKind.Str when node.Value is string s:
                key = s;
                return true;
            case NodeKind.Bytes:
                key = TaskKeys.FromWire((byte[])node.Value!)!;
                return true;
            case NodeKind.Int when node.Value is long l:
                key = TaskKeys.IntKey(l);
                return true;
            case NodeKind.Float:
                key = TaskKeys.FloatKey((double)node.Value!);
                return true;
            case NodeKind.Tuple:
                if (TryTuple(node, 0, out var tuple))
                {
                    key = PyRepr.Repr(tuple);
                    return true;
                }
                break;
        }
        key = null!;
        return false;
    }

    /// <summary>The key of <paramref name="node"/>, or an <see cref="UnsupportedLayerException"/> naming what it is.</summary>
    public static string Key(PickleNode node, string what) =>
        TryKey(node, out var key) ? key : throw new UnsupportedLayerException($"{what} is not a task key (str, bytes or tuple) but a {Describe(node)}.");

    public static string Describe(PickleNode node) => node.CallableName ?? node.Kind.ToString();

    private static bool TryTuple(PickleNode node, int depth, out PyTuple tuple)
    {
        tuple = null!;
        if (depth > MaxKeyDepth) return false;
        var items = node.Items;
        var values = new object?[items.Count];
        for (int i = 0; i < values.Length; i++)
        {
            var item = items[i];
            switch (item.Kind)
            {
                case NodeKind.Str when item.Value is string s: values[i] = s; break;
                case NodeKind.Int when item.Value is long l: values[i] = l; break;
                case NodeKind.Float: values[i] = (double)item.Value!; break;
                case NodeKind.Bool: values[i] = (bool)item.Value!; break;
                case NodeKind.None: values[i] = null; break;
                case NodeKind.Tuple:
                    if (!TryTuple(item, depth + 1, out var inner)) return false;
                    values[i] = inner;
                    break;
                default: return false;
            }
        }
        tuple = new PyTuple(values);
        return true;
    }
}
