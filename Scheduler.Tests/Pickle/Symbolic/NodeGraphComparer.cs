using Scheduler.Core.Pickle.Symbolic;

namespace Scheduler.Tests.Pickle.Symbolic;

/// <summary>
/// Structural equality of two node graphs, identity included: every non-scalar node of one corresponds to exactly
/// one node of the other (a bijection), so sharing and cycles must match too. Iterative, for deep graphs.
/// </summary>
public static class NodeGraphComparer
{
    /// <summary>Null when equal, else where they differ. <paramref name="bufferMap"/> maps b's buffer indices to a's.</summary>
    public static string? Difference(PickleNode a, PickleNode b, int[]? bufferMap = null)
    {
        var aToB = new Dictionary<PickleNode, PickleNode>(ReferenceEqualityComparer.Instance);
        var bToA = new Dictionary<PickleNode, PickleNode>(ReferenceEqualityComparer.Instance);
        var work = new Stack<(PickleNode A, PickleNode B, string Path)>();
        work.Push((a, b, "root"));
        while (work.Count > 0)
        {
            var (x, y, path) = work.Pop();
            if (x.Kind != y.Kind) return $"{path}: {x.Kind} vs {y.Kind}";
            if (x.IsScalar)
            {
                if (!Equals(x.Value, y.Value) && !(x.Value is double d1 && y.Value is double d2 && BitConverter.DoubleToInt64Bits(d1) == BitConverter.DoubleToInt64Bits(d2)))
                    return $"{path}: {x.Value} vs {y.Value}";
                continue;
            }
            if (aToB.TryGetValue(x, out var mapped))
            {
                if (!ReferenceEquals(mapped, y)) return $"{path}: sharing differs";
                continue;
            }
            if (bToA.ContainsKey(y)) return $"{path}: sharing differs (b side)";
            aToB[x] = y;
            bToA[y] = x;
            switch (x.Kind)
            {
                case NodeKind.Str or NodeKind.Bytes or NodeKind.ByteArray:
                    if (x.Value is byte[] xb ? !(y.Value is byte[] yb && xb.AsSpan().SequenceEqual(yb)) : !Equals(x.Value, y.Value))
                        return $"{path}: value differs";
                    break;
                case NodeKind.Global:
                    if (!Equals(x.Value, y.Value) || x.Name != y.Name) return $"{path}: {x} vs {y}";
                    break;
                case NodeKind.Buffer:
                    int yIndex = bufferMap == null ? y.BufferIndex : bufferMap[y.BufferIndex];
                    if (x.BufferIndex != yIndex || x.BufferFlag != y.BufferFlag) return $"{path}: buffer {x.BufferIndex} vs {yIndex}";
                    break;
            }
            if (x.Items.Count != y.Items.Count) return $"{path}: {x.Items.Count} vs {y.Items.Count} items";
            for (int i = 0; i < x.Items.Count; i++) work.Push((x.Items[i], y.Items[i], $"{path}[{i}]"));
            if (!PushPairs(work, x.Pairs, y.Pairs, path + ".pairs")) return $"{path}: pair count differs";
            if (x.IsCall)
            {
                work.Push((x.Callable!, y.Callable!, path + ".callable"));
                work.Push((x.Args!, y.Args!, path + ".args"));
                if (x.Kwargs != null) work.Push((x.Kwargs, y.Kwargs!, path + ".kwargs"));
            }
            if (!PushAll(work, x.States, y.States, path + ".state")) return $"{path}: state count differs";
            if (!PushAll(work, x.Appended, y.Appended, path + ".appended")) return $"{path}: appended count differs";
            if (!PushAll(work, x.Added, y.Added, path + ".added")) return $"{path}: added count differs";
            if (!PushPairs(work, x.SetItems, y.SetItems, path + ".setitems")) return $"{path}: setitems count differs";
            if (x.SideEffects.Count != y.SideEffects.Count) return $"{path}: side-effect count differs";
            for (int i = 0; i < x.SideEffects.Count; i++)
            {
                work.Push((x.SideEffects[i].Callable!, y.SideEffects[i].Callable!, $"{path}.effect{i}.callable"));
                work.Push((x.SideEffects[i].Args!, y.SideEffects[i].Args!, $"{path}.effect{i}.args"));
            }
        }
        return null;
    }

    private static bool PushAll(Stack<(PickleNode, PickleNode, string)> work, IReadOnlyList<PickleNode> x, IReadOnlyList<PickleNode> y, string path)
    {
        if (x.Count != y.Count) return false;
        for (int i = 0; i < x.Count; i++) work.Push((x[i], y[i], $"{path}{i}"));
        return true;
    }

    private static bool PushPairs(Stack<(PickleNode, PickleNode, string)> work, IReadOnlyList<KeyValuePair<PickleNode, PickleNode>> x,
        IReadOnlyList<KeyValuePair<PickleNode, PickleNode>> y, string path)
    {
        if (x.Count != y.Count) return false;
        for (int i = 0; i < x.Count; i++)
        {
            work.Push((x[i].Key, y[i].Key, $"{path}{i}.key"));
            work.Push((x[i].Value, y[i].Value, $"{path}{i}.value"));
        }
        return true;
    }
}
