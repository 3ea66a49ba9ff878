namespace Scheduler.Core.Protocol;

/// <summary>Structural equality over decoded msgpack values (arrays as map keys, bin keys).</summary>
public sealed class MsgValueComparer : IEqualityComparer<object?>
{
    public static readonly MsgValueComparer Instance = new();

    public new bool Equals(object? x, object? y)
    {
        if (ReferenceEquals(x, y)) return true;
        if (x is null || y is null) return false;
        switch (x)
        {
            case string s: return y is string t && s == t;
            case TupleKey tk: return y is TupleKey other && tk.Repr == other.Repr;
            case long a: return y switch { long b => a == b, ulong b => a >= 0 && (ulong)a == b, double d => a == d, _ => false };
            case ulong a: return y switch { ulong b => a == b, long b => b >= 0 && a == (ulong)b, double d => a == d, _ => false };
            case double a: return y switch { double b => a.Equals(b), long b => a == b, ulong b => a == b, _ => false };
            case byte[] ba: return y is byte[] bb && ba.AsSpan().SequenceEqual(bb);
            case IList<object?> a:
                if (y is not IList<object?> l || l.Count != a.Count) return false;
                for (int i = 0; i < a.Count; i++) if (!Equals(a[i], l[i])) return false;
                return true;
            default: return x.Equals(y);
        }
    }

    public int GetHashCode(object? obj)
    {
        switch (obj)
        {
            case null: return 0;
            case string s: return s.GetHashCode();
            case long a: return a.GetHashCode();
            case ulong a: return a <= long.MaxValue ? ((long)a).GetHashCode() : a.GetHashCode();
            case double d: return d == Math.Floor(d) && Math.Abs(d) < 9e18 ? ((long)d).GetHashCode() : d.GetHashCode();
            case byte[] b:
                var h = new HashCode();
                h.AddBytes(b);
                return h.ToHashCode();
            case IList<object?> l:
                var hc = new HashCode();
                foreach (var e in l) hc.Add(GetHashCode(e));
                return hc.ToHashCode();
            default: return obj.GetHashCode();
        }
    }
}
