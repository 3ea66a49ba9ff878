using Scheduler.Core.Pickle;

namespace Scheduler.Core.Protocol;

/// <summary>
/// A task key that is a Python tuple, on its way out. Inside the scheduler every key is a string, and a tuple key
/// is its repr, "('x', 0)", which is also exactly what a 2022.12 peer sends and expects (it stringifies keys). A
/// 2024.12 peer sends and expects the tuple itself (a msgpack array), so the encoder writes this value as the repr
/// for one dialect and as the array for the other. The array is parsed once, on first use.
/// </summary>
public sealed class TupleKey(string repr)
{
    private object?[]? _items;

    public string Repr { get; } = repr;

    /// <summary>The tuple's items (str, long, double, bool, null, nested object?[]), or null when the repr does
    /// not parse as a tuple of key parts (then the key goes out as the string it is).</summary>
    public object?[]? Items => _items ??= PyReprParser.TryParseTuple(Repr, out var items) ? items : Unparsable;

    private static readonly object?[] Unparsable = [];

    internal bool IsTuple => !ReferenceEquals(Items, Unparsable);

    public override string ToString() => Repr;

    public override bool Equals(object? obj) => obj is TupleKey t && t.Repr == Repr;

    public override int GetHashCode() => Repr.GetHashCode(StringComparison.Ordinal);
}
