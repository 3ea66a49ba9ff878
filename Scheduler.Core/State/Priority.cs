using System.Globalization;

namespace Scheduler.Core.State;

/// <summary>
/// A task priority: a short tuple of numbers compared lexicographically, smaller first, exactly as
/// Python compares tuples (<c>(-user_priority, generation, order)</c>, or <c>(generation, 0)</c>).
/// Elements that were integers on the wire are written back as integers. A value type: every task has
/// one, and a heap object plus an array each cost a 100k-task graph megabytes and milliseconds.
/// </summary>
public readonly struct Priority : IComparable<Priority>
{
    private readonly double _p0, _p1, _p2;
    private readonly byte _length;

    public Priority(double p0, double p1) { _p0 = p0; _p1 = p1; _length = 2; }

    public Priority(double p0, double p1, double p2) { _p0 = p0; _p1 = p1; _p2 = p2; _length = 3; }

    public int Length => _length;

    public double this[int i] => (uint)i < _length
        ? i switch { 0 => _p0, 1 => _p1, _ => _p2 }
        : throw new ArgumentOutOfRangeException(nameof(i));

    public int CompareTo(Priority other)
    {
        int c = _p0.CompareTo(other._p0);
        if (c != 0) return c;
        c = _p1.CompareTo(other._p1);
        if (c != 0) return c;
        if (_length == 3 && other._length == 3)
        {
            c = _p2.CompareTo(other._p2);
            if (c != 0) return c;
        }
        return _length.CompareTo(other._length);
    }

    /// <summary>The msgpack form: an array of ints and floats.</summary>
    public object?[] ToWire()
    {
        var a = new object?[_length];
        for (int i = 0; i < _length; i++)
        {
            double d = this[i];
            a[i] = d == Math.Floor(d) && Math.Abs(d) < 9e15 ? (object)(long)d : d; // Python sends ints: a bare conditional would make both arms double
        }
        return a;
    }

    public override string ToString()
    {
        var parts = new string[_length];
        for (int i = 0; i < _length; i++) parts[i] = this[i].ToString(CultureInfo.InvariantCulture);
        return "(" + string.Join(", ", parts) + ")";
    }
}
