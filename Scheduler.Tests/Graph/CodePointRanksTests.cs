using Scheduler.Core.Graph;

namespace Scheduler.Tests.Graph;

/// <summary>The key ranks the 2024 ordering sorts by agree with comparing the keys as Python compares str.</summary>
public class CodePointRanksTests
{
    // Units that straddle the places where UTF-16 order and code point order differ, and where a string ends.
    private static readonly char[] Alphabet = ['\0', '\x01', '-', '0', 'a', 'z', '\uD7FF', '\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\uE000', '\uFFFF'];

    [Theory]
    [InlineData(1, 200)]
    [InlineData(2, 2000)]
    [InlineData(3, 5000)]
    public void Ranks_order_strings_by_code_point(int seed, int count)
    {
        var random = new Random(seed);
        var strings = new string?[count];
        for (int i = 0; i < count; i++)
        {
            if (random.Next(20) == 0) { strings[i] = null; continue; }
            // Long shared prefixes, as graph keys have them, then a short random tail.
            var prefix = random.Next(3) switch { 0 => "", 1 => "inc-", _ => "('x-1234', " };
            var tail = new char[random.Next(0, 11)];
            for (int j = 0; j < tail.Length; j++) tail[j] = Alphabet[random.Next(Alphabet.Length)];
            strings[i] = prefix + new string(tail);
        }
        strings[0] = strings[1]; // equal strings share a rank
        var rank = CodePointRanks.Of(strings);
        for (int i = 0; i < count; i++)
        {
            if (strings[i] == null) { Assert.Equal(-1, rank[i]); continue; }
            for (int j = 0; j < count; j += 7)
            {
                if (strings[j] == null) continue;
                int expected = Math.Sign(DaskOrder.CodePointCompare(strings[i], strings[j]));
                Assert.True(expected == Math.Sign(rank[i].CompareTo(rank[j])),
                    $"{Escape(strings[i]!)} vs {Escape(strings[j]!)}: expected {expected}, ranks {rank[i]} and {rank[j]}");
            }
        }
    }

    [Fact]
    public void A_surrogate_sorts_after_the_private_use_area_and_a_prefix_before_its_extensions()
    {
        string?[] strings = ["a\uE000", "a\uD83D\uDE00", "a", "a\0", "a\0\0\0\0", "a\0\0\0\0b", "ab"];
        var rank = CodePointRanks.Of(strings);
        var sorted = Enumerable.Range(0, strings.Length).OrderBy(i => rank[i]).Select(i => strings[i]).ToArray();
        Assert.Equal(new string?[] { "a", "a\0", "a\0\0\0\0", "a\0\0\0\0b", "ab", "a\uE000", "a\uD83D\uDE00" }, sorted);
    }

    private static string Escape(string s) => string.Concat(s.Select(c => c is >= ' ' and <= '~' ? c.ToString() : $"\\u{(int)c:X4}"));
}
