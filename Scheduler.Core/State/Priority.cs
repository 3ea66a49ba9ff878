using System.Globalization;

namespace Scheduler.Core.State;

/// <summary>
/// A task priority: a short tuple of numbers compared lexicographically, smaller first, exactly as
/// Python compares tuples (<c>(-user_priority, generation, order)</c>, or <c>(generation, 0)</c>).
/// Elements that were integers on the wire are written back as integers.
/// </summary>
public sealed class Priority : IComparable<Priority>
{
    private readonly double[] _parts;

    public Priority(params double[] parts) => _parts = parts;

    public IReadOnlyList<double> Parts => _parts;

    public int CompareTo(Priority? other)
    {
        if (other is null) return 1;
        int n = Math.Min(_parts.Length, other._parts.Length);
        for (int i = 0; i < n; i++)
        {
            int c = _parts[i].CompareTo(other._parts[i]);
            if (c != 0) return c;
        }
        return _parts.Length.CompareTo(other._parts.Length);
    }

    /// <summary>The msgpack form: an array of ints and floats.</summary>
    public object?[] ToWire()
    {
        var a = new object?[_parts.Length];
        for (int i = 0; i < _parts.Length; i++)
        {
            double d = _parts[i];
            a[i] = d == Math.Floor(d) && Math.Abs(d) < 9e15 ? (long)d : d;
        }
        return a;
    }

    public override string ToString() =>
        "(" + string.Join(", ", _parts.Select(p => p.ToString(CultureInfo.InvariantCulture))) + ")";
}
