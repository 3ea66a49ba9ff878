using System.Text;

namespace Scheduler.Core.Protocol;

/// <summary>
/// Decoded short strings, reused: ops, field names, statuses and task keys recur in every message, so a
/// direct-mapped table of the last string seen per hash slot turns most decodes into a hash and a compare.
/// Lock-free: a slot holds an immutable string, and a race only costs a miss. Only ASCII strings are kept
/// (they compare byte for char); anything longer or non-ASCII is decoded as usual.
/// </summary>
internal static class StringCache
{
    private const int MaxBytes = 96;
    private const int Slots = 1 << 14;
    private static readonly string?[] Table = new string?[Slots];

    public static string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxBytes) return Encoding.UTF8.GetString(utf8);
        var hash = new HashCode();
        hash.AddBytes(utf8);
        int slot = hash.ToHashCode() & (Slots - 1);
        var cached = Volatile.Read(ref Table[slot]);
        if (cached != null && cached.Length == utf8.Length && Ascii.Equals(utf8, cached)) return cached;
        var s = Encoding.UTF8.GetString(utf8);
        if (s.Length == utf8.Length) Volatile.Write(ref Table[slot], s); // one char per byte: ASCII
        return s;
    }
}
