using System.Numerics;

namespace Scheduler.Core.Graph.Order2024;

/// <summary>
/// One of _connecting_to_roots' frozensets: the roots (or leaves) connected to a node, as ordinals. Only its size
/// and, for roots, its members are read. Small sets are arrays, large ones bitsets, so dense graphs (every task
/// below every root) cost a word per 64 roots instead of a hash entry per root; equal sets are often one object,
/// as in Python.
/// </summary>
internal sealed class ConnectedSet
{
    public int Count { get; }
    private readonly int[]? _items;
    private readonly ulong[]? _bits;

    /// <summary>Scratch for de-duplicating by reference while taking a union.</summary>
    public int Stamp;

    private ConnectedSet(int count, int[]? items, ulong[]? bits)
    {
        Count = count;
        _items = items;
        _bits = bits;
    }

    public static ConnectedSet Single(int ordinal, int universe) => new(1, [ordinal], null);

    public static ConnectedSet Empty(int universe) => new(0, [], null);

    public void AddTo(List<int> target)
    {
        if (_items != null)
        {
            target.AddRange(_items);
            return;
        }
        var bits = _bits!;
        for (int w = 0; w < bits.Length; w++)
        {
            ulong b = bits[w];
            while (b != 0)
            {
                target.Add(w * 64 + BitOperations.TrailingZeroCount(b));
                b &= b - 1;
            }
        }
    }

    /// <summary>Takes unions over one universe of ordinals, reusing its scratch.</summary>
    public sealed class Builder(int universe)
    {
        private readonly int[] _mark = new int[universe];
        private int _stamp;
        private readonly List<int> _scratch = [];
        private readonly int _words = (universe + 63) / 64;

        /// <summary>The union of <paramref name="sets"/> (at least two, distinct objects). Returns one of them when
        /// it already holds the union.</summary>
        public ConnectedSet Union(List<ConnectedSet> sets)
        {
            ConnectedSet largest = sets[0];
            long sum = 0;
            bool anyBits = false;
            foreach (var s in sets)
            {
                sum += s.Count;
                anyBits |= s._bits != null;
                if (s.Count > largest.Count) largest = s;
            }
            if (anyBits || sum * 32 > universe + 256)
            {
                var bits = new ulong[_words];
                foreach (var s in sets)
                {
                    if (s._bits != null)
                        for (int w = 0; w < bits.Length; w++) bits[w] |= s._bits[w];
                    else
                        foreach (var o in s._items!) bits[o >> 6] |= 1UL << (o & 63);
                }
                int count = 0;
                foreach (var w in bits) count += BitOperations.PopCount(w);
                return count == largest.Count ? largest : new ConnectedSet(count, null, bits);
            }
            _stamp++;
            _scratch.Clear();
            foreach (var s in sets)
                foreach (var o in s._items!)
                {
                    if (_mark[o] == _stamp) continue;
                    _mark[o] = _stamp;
                    _scratch.Add(o);
                }
            return _scratch.Count == largest.Count ? largest : new ConnectedSet(_scratch.Count, [.. _scratch], null);
        }
    }
}
