namespace Scheduler.Core.Graph;

/// <summary>
/// Ranks strings in the order Python compares str (by code point), so that a sort that breaks ties on keys compares
/// two ints instead of two strings. A big graph's keys share long prefixes ("inc-", "('x', ") and lie all over the
/// heap: comparing them in the sort cost more than the rest of ordering. Here they are sorted by four characters at
/// a time packed into a ulong, each run of equal chunks then by its next four, so most comparisons never touch a
/// string.
/// </summary>
internal static class CodePointRanks
{
    /// <summary>
    /// Rank of each string: <c>rank[i] &lt; rank[j]</c> exactly when <c>strings[i] &lt; strings[j]</c> in Python,
    /// equal ranks for equal strings. Null entries get rank -1 and are left out.
    /// </summary>
    public static int[] Of(string?[] strings)
    {
        var rank = new int[strings.Length];
        var items = new List<Item>(strings.Length);
        for (int i = 0; i < strings.Length; i++)
        {
            // Eight characters on the first visit: keys of one group ("inc-…") differ right after their prefix.
            if (strings[i] is { } s) items.Add(new Item(Chunk(s, 0), Chunk(s, 1), s.Length, i));
            else rank[i] = -1;
        }
        var order = items.ToArray();
        order.AsSpan().Sort(ItemComparer.Instance);
        // Runs of equal chunks are refined by their next chunks until every string in a run ended; a rank is the
        // position of the first string equal to it, given once its run is settled.
        var pending = new Stack<(int Start, int Length, int Chunk)>();
        Settle(order, 0, order.Length, 2, strings, rank, pending);
        while (pending.Count > 0)
        {
            var (start, length, chunk) = pending.Pop();
            var run = order.AsSpan(start, length);
            for (int i = 0; i < run.Length; i++)
            {
                var s = strings[run[i].Index]!;
                run[i] = run[i] with { First = Chunk(s, chunk), Second = Chunk(s, chunk + 1) };
            }
            run.Sort(ItemComparer.Instance);
            Settle(order, start, length, chunk + 2, strings, rank, pending);
        }
        return rank;
    }

    /// <summary>Ranks the strings of order[start..start+length) that differ within the chunks before <paramref name="next"/>; queues the rest.</summary>
    private static void Settle(Item[] order, int start, int length, int next, string?[] strings, int[] rank, Stack<(int, int, int)> pending)
    {
        int end = start + length;
        for (int i = start; i < end;)
        {
            int j = i + 1;
            while (j < end && order[j].First == order[i].First && order[j].Second == order[i].Second) j++;
            // Equal so far: when one of them goes on past these chunks, the next chunks decide (one that ended reads
            // as "\0"s there, so it stays first); otherwise they all ended, and the shorter is the smaller.
            bool goesOn = false;
            for (int k = i; k < j && !goesOn && j - i > 1; k++) goesOn = order[k].Length > next * 4;
            if (goesOn) pending.Push((i, j - i, next));
            else
            {
                if (j - i > 1) order.AsSpan(i, j - i).Sort(LengthComparer.Instance);
                for (int k = i; k < j; k++)
                    rank[order[k].Index] = k > i && order[k].Length == order[k - 1].Length ? rank[order[k - 1].Index] : k;
            }
            i = j;
        }
    }

    /// <summary>
    /// Characters [4c, 4c + 4) of <paramref name="s"/>, padded with the lowest value past its end. UTF-16 order is
    /// code point order except that a surrogate (half of a character above U+FFFF) sorts after U+E000–U+FFFF:
    /// each unit is mapped so that it does.
    /// </summary>
    private static ulong Chunk(string s, int c)
    {
        ulong key = 0;
        int from = c * 4;
        for (int i = 0; i < 4; i++)
        {
            int at = from + i;
            key = (key << 16) | (at < s.Length ? Map(s[at]) : 0u);
        }
        return key;
    }

    // 0000–D7FF stay, E000–FFFF move down to D800–F7FF, the surrogates D800–DFFF move up to F800–FFFF. Past the end
    // counts as U+0000, so a string that ends ties with one that goes on with "\0": such ties end sorted by length.
    private static uint Map(char ch) => ch < 0xD800 ? ch : ch >= 0xE000 ? (uint)ch - 0x800 : (uint)ch + 0x2000;

    private readonly record struct Item(ulong First, ulong Second, int Length, int Index);

    private sealed class ItemComparer : IComparer<Item>
    {
        public static readonly ItemComparer Instance = new();

        public int Compare(Item a, Item b)
        {
            int c = a.First.CompareTo(b.First);
            return c != 0 ? c : a.Second.CompareTo(b.Second);
        }
    }

    private sealed class LengthComparer : IComparer<Item>
    {
        public static readonly LengthComparer Instance = new();

        public int Compare(Item a, Item b) => a.Length.CompareTo(b.Length);
    }
}
