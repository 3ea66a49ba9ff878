using System.Text;
using System.Text.RegularExpressions;

namespace Scheduler.Core.State;

/// <summary>
/// Task keys. On the wire a key is a msgpack str or (rarely) bin, and the two must never be confused.
/// Internally every key is a string; a bin key is held as a private-use marker character followed by
/// its bytes as Latin-1 characters, which round-trips exactly and cannot collide with a str key sent
/// by a Python client (no str key starts with U+E000 in practice).
/// </summary>
public static partial class TaskKeys
{
    internal const char BytesMarker = '\uE000';

    // Dask 2024.12 keys may also be an int or a float ({5: (inc, 2)}): marked like bytes, followed by Python's str of
    // the number, which is what dask.order sorts them by.
    internal const char IntMarker = '\uE001';
    internal const char FloatMarker = '\uE002';

    /// <summary>
    /// A key as a peer sent it: a str is itself, a bin is marked, and a tuple key (a msgpack array: 2024.12 peers
    /// send tuple keys as tuples, 2022.12 ones stringify them first) becomes the string Dask 2022's stringify makes
    /// of it, "('x', 0)", so both dialects name the same task the same way.
    /// </summary>
    public static string? FromWire(object? value) => value switch
    {
        string s => s,
        byte[] b => BytesMarker + Encoding.Latin1.GetString(b),
        object?[] tuple => TryTupleRepr(tuple),
        Protocol.TupleKey t => t.Repr, // a message the scheduler built for itself
        long l => IntKey(l),
        double d => FloatKey(d),
        _ => null,
    };

    /// <summary>The key of an int (a 2024.12 peer's int key).</summary>
    public static string IntKey(long value) => IntMarker + value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The key of a float (a 2024.12 peer's float key).</summary>
    public static string FloatKey(double value) => FloatMarker + Pickle.PyRepr.Float(value);

    /// <summary>Whether this key is a number (an int or float key, which key_split calls "Other").</summary>
    public static bool IsNumber(string key) => key.Length > 0 && key[0] is IntMarker or FloatMarker;

    /// <summary>The key as Python's str() shows it: bytes keys decoded, numbers as their digits, the rest as they are.</summary>
    public static string Str(string key) => key.Length > 0 && key[0] is BytesMarker or IntMarker or FloatMarker ? key[1..] : key;

    /// <summary>A key as an RPC argument (the same rules as <see cref="FromWire"/>).</summary>
    public static string? FromClient(object? value) => FromWire(value);

    private static string? TryTupleRepr(object?[] tuple)
    {
        static object? Convert(object? v) => v is object?[] inner ? new Pickle.PyTuple(inner.Select(Convert).ToArray()) : v;
        try
        {
            return Pickle.PyRepr.Repr(Convert(tuple));
        }
        catch (ArgumentException)
        {
            return null; // not a key (a value Python keys never hold)
        }
    }

    /// <summary>
    /// A key on its way out: a bin key as bytes, a tuple key's repr as a <see cref="Protocol.TupleKey"/> (which the
    /// encoder writes as the repr for a 2022.12 peer and as the tuple for a 2024.12 one), any other key as itself.
    /// </summary>
    public static object ToWire(string key) =>
        key.Length == 0 ? key
        : key[0] == BytesMarker ? Encoding.Latin1.GetBytes(key[1..])
        : key[0] == '(' ? new Protocol.TupleKey(key)
        : key[0] == IntMarker ? long.Parse(key.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture)
        : key[0] == FloatMarker ? ParseFloat(key.AsSpan(1))
        : key;

    private static double ParseFloat(ReadOnlySpan<char> repr) => repr switch
    {
        "inf" => double.PositiveInfinity,
        "-inf" => double.NegativeInfinity,
        "nan" => double.NaN,
        _ => double.Parse(repr, System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// A key as a str or bin: a bin key as its bytes, any other as the string it is (a tuple key as its repr, which is
    /// how a 2022.12 peer names it).
    /// </summary>
    public static object ToWireString(string key) =>
        key.Length == 0 ? key
        : key[0] == BytesMarker ? Encoding.Latin1.GetBytes(key[1..])
        : key[0] is IntMarker or FloatMarker ? ToWire(key)
        : key;

    /// <summary>Python's repr of a key, as error messages show it: "'x'", "('x', 0)", "5", "b'k'".</summary>
    public static string Repr(string key) =>
        key.Length == 0 ? "''"
        : key[0] == '(' ? key
        : key[0] is IntMarker or FloatMarker ? key[1..]
        : Pickle.PyRepr.Repr(ToWire(key));

    /// <summary>The text Python's key_split sees (bytes keys are decoded).</summary>
    private static string Text(string key) => key.Length > 0 && key[0] == BytesMarker ? key[1..] : key;

    [GeneratedRegex("^[a-f0-9]{32}")]
    private static partial Regex Hex32();

    /// <summary>Port of <c>dask.utils.key_split</c>: the task prefix ("inc", "random_sample", "data").</summary>
    public static string KeySplit(string key)
    {
        if (IsNumber(key)) return "Other"; // str.split fails on a number: key_split's except
        // Python splits on "-" and joins the leading words back; the words are contiguous in the key, so the result
        // is a slice of it (one string per key, not one per word: every task of a big graph is split).
        var s = Text(key).AsSpan();
        if (s.Length == 0) return "Other";
        int firstEnd = s.IndexOf('-');
        if (firstEnd < 0) firstEnd = s.Length;
        var first = s[..firstEnd];
        if (first.Length == 0) return "Other";
        var head = first;
        if (!char.IsLetter(first[0]))
        {
            int comma = first.IndexOf(',');
            head = (comma < 0 ? first : first[..comma]).Trim("_'()\"");
        }
        int end = firstEnd;
        while (end < s.Length)
        {
            var rest = s[(end + 1)..];
            int next = rest.IndexOf('-');
            var w = next < 0 ? rest : rest[..next];
            bool alpha = w.Length > 0 && AllLetters(w);
            bool hexish = w.Length == 8 && w[0] >= 'a' && w[0] <= 'f';
            if (!alpha || hexish) break;
            end += 1 + w.Length;
        }
        var tail = s[firstEnd..end];
        string result = head.Length == first.Length ? (end == s.Length && ReferenceEquals(Text(key), key) ? key : s[..end].ToString())
            : string.Concat(head, tail);
        if (result.Length == 32 && Hex32().IsMatch(result)) return "data";
        if (result.Length > 0 && result[0] == '<')
        {
            var words = result.Trim('<', '>').Split(' ', StringSplitOptions.RemoveEmptyEntries);
            result = words.Length > 0 ? words[0].Split('.')[^1] : result;
        }
        return result.Length == 0 ? "Other" : result;
    }

    private static bool AllLetters(ReadOnlySpan<char> w)
    {
        foreach (var c in w)
            if (!char.IsLetter(c)) return false;
        return true;
    }

    /// <summary>Port of <c>distributed.utils.key_split_group</c>: the task group name.</summary>
    public static string KeySplitGroup(string key)
    {
        if (IsNumber(key)) return "Other";
        var s = Text(key);
        if (s.Length == 0) return "Other";
        if (s[0] == '(')
        {
            int comma = s.IndexOf(',');
            var head = (comma < 0 ? s.AsSpan() : s.AsSpan(0, comma)).Trim("()\"'");
            return head.ToString();
        }
        if (s.Length == 32 && Hex32().IsMatch(s)) return "data";
        if (s[0] == '<')
        {
            var first = s.Trim('<', '>').Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return first.Length > 0 ? first[0].Split('.')[^1] : s;
        }
        return KeySplit(key);
    }
}
