using System.Buffers.Binary;
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
        int slot = (int)(Hash(utf8) >> 40) & (Slots - 1);
        var cached = Volatile.Read(ref Table[slot]);
        if (cached != null && cached.Length == utf8.Length && Ascii.Equals(utf8, cached)) return cached;
        var s = Encoding.UTF8.GetString(utf8);
        if (s.Length == utf8.Length) Volatile.Write(ref Table[slot], s); // one char per byte: ASCII
        return s;
    }

    // A slot index only, never trusted for equality (the compare above decides): the length and the first and
    // last eight bytes, which is where Dask keys differ (the prefix and token lead, a tuple index ends them).
    // HashCode.AddBytes over every byte cost more than the allocation the cache saves.
    private static ulong Hash(ReadOnlySpan<byte> b)
    {
        ulong head, tail;
        if (b.Length >= 8)
        {
            head = BinaryPrimitives.ReadUInt64LittleEndian(b);
            tail = BinaryPrimitives.ReadUInt64LittleEndian(b[^8..]);
        }
        else
        {
            Span<byte> pad = stackalloc byte[8];
            pad.Clear();
            b.CopyTo(pad);
            head = BinaryPrimitives.ReadUInt64LittleEndian(pad);
            tail = 0;
        }
        ulong h = (head * 0x9E3779B97F4A7C15UL) ^ (tail * 0xC2B2AE3D27D4EB4FUL) ^ ((ulong)b.Length * 0x165667B19E3779F9UL);
        return h ^ (h >> 29);
    }
}
