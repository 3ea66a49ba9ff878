using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace Scheduler.Core.Pickle;

/// <summary>
/// Reads a pickle's opcodes into an inert description of what it would build, without building it: a
/// global is only its (module, name), a call (REDUCE, NEWOBJ, OBJ, INST) is only its callable and arguments,
/// BUILD only records the state it would apply. No Python object is constructed and no code runs, so any
/// pickle is safe to scan. Used to recognise the few closures the scheduler emulates natively (progress
/// bars' <c>feed</c>). Primitives map as in <see cref="PyValues"/>: str = string, int = long (or BigInteger),
/// float = double, bytes = byte[], tuple = <see cref="PyTuple"/>, global = <see cref="PyGlobal"/>.
/// </summary>
public static class PickleScanner
{
    /// <summary>Scans <paramref name="pickle"/>; throws <see cref="PickleScanException"/> when it is not one.</summary>
    public static PickleScan Scan(ReadOnlySpan<byte> pickle)
    {
        var calls = new List<PickledCall>();
        var stack = new List<object?>();
        var marks = new Stack<int>();
        var memo = new Dictionary<long, object?>();
        int pos = 0;

        object? Pop()
        {
            if (stack.Count == 0) throw new PickleScanException("stack underflow");
            var v = stack[^1];
            stack.RemoveAt(stack.Count - 1);
            return v;
        }
        object? Top() => stack.Count == 0 ? throw new PickleScanException("stack underflow") : stack[^1];
        List<object?> PopMark()
        {
            if (marks.Count == 0) throw new PickleScanException("no mark");
            int m = marks.Pop();
            var items = stack.GetRange(m, stack.Count - m);
            stack.RemoveRange(m, stack.Count - m);
            return items;
        }

        while (true)
        {
            if (pos >= pickle.Length) throw new PickleScanException("truncated pickle (no STOP)");
            byte op = pickle[pos++];
            switch (op)
            {
                case 0x80: Take(pickle, ref pos, 1); break; // PROTO
                case 0x95: Take(pickle, ref pos, 8); break; // FRAME: frames are only a read-ahead hint
                case (byte)'.': return stack.Count == 1 ? new PickleScan(stack[0], calls) : throw new PickleScanException("STOP with a stack of " + stack.Count);
                case (byte)'(': marks.Push(stack.Count); break;
                case (byte)'0': Pop(); break;
                case (byte)'1': PopMark(); break;
                case (byte)'2': stack.Add(Top()); break;

                case (byte)'N': stack.Add(null); break;
                case 0x88: stack.Add(true); break;
                case 0x89: stack.Add(false); break;
                case (byte)'I':
                    {
                        var text = Line(pickle, ref pos);
                        stack.Add(text switch { "01" => true, "00" => false, _ => ParseInt(text) });
                        break;
                    }
                case (byte)'J': stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(Take(pickle, ref pos, 4))); break;
                case (byte)'K': stack.Add((long)Take(pickle, ref pos, 1)[0]); break;
                case (byte)'M': stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(pickle, ref pos, 2))); break;
                case (byte)'L': stack.Add(ParseInt(Line(pickle, ref pos).TrimEnd('L'))); break;
                case 0x8a: stack.Add(LittleEndianInt(Take(pickle, ref pos, Take(pickle, ref pos, 1)[0]))); break;
                case 0x8b: stack.Add(LittleEndianInt(Take(pickle, ref pos, Length(pickle, ref pos, 4)))); break;
                case (byte)'F': stack.Add(ParseFloat(Line(pickle, ref pos))); break;
                case (byte)'G': stack.Add(BinaryPrimitives.ReadDoubleBigEndian(Take(pickle, ref pos, 8))); break;

                case (byte)'S': stack.Add(Line(pickle, ref pos).Trim('\'', '"')); break; // Python 2 str
                case (byte)'T': stack.Add(Encoding.Latin1.GetString(Take(pickle, ref pos, Length(pickle, ref pos, 4)))); break;
                case (byte)'U': stack.Add(Encoding.Latin1.GetString(Take(pickle, ref pos, Take(pickle, ref pos, 1)[0]))); break;
                case (byte)'V': stack.Add(RawUnicodeEscape(LineBytes(pickle, ref pos))); break;
                case (byte)'X': stack.Add(Encoding.UTF8.GetString(Take(pickle, ref pos, Length(pickle, ref pos, 4)))); break;
                case 0x8c: stack.Add(Encoding.UTF8.GetString(Take(pickle, ref pos, Take(pickle, ref pos, 1)[0]))); break;
                case 0x8d: stack.Add(Encoding.UTF8.GetString(Take(pickle, ref pos, Length(pickle, ref pos, 8)))); break;
                case (byte)'B': stack.Add(Take(pickle, ref pos, Length(pickle, ref pos, 4)).ToArray()); break;
                case (byte)'C': stack.Add(Take(pickle, ref pos, Take(pickle, ref pos, 1)[0]).ToArray()); break;
                case 0x8e: case 0x96: stack.Add(Take(pickle, ref pos, Length(pickle, ref pos, 8)).ToArray()); break;
                case 0x97: throw new PickleScanException("out-of-band buffers are not scanned");
                case 0x98: case 0x99: break; // READONLY_BUFFER / READWRITE_BUFFER: flags on the buffer on top

                case (byte)')': stack.Add(new PyTuple()); break;
                case (byte)'t': stack.Add(new PyTuple([.. PopMark()])); break;
                case 0x85: stack.Add(new PyTuple(Pop())); break;
                case 0x86: { var b = Pop(); var a = Pop(); stack.Add(new PyTuple(a, b)); break; }
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); stack.Add(new PyTuple(a, b, c)); break; }
                case (byte)']': stack.Add(new PickledList()); break;
                case (byte)'l': { var l = new PickledList(); l.AddRange(PopMark()); stack.Add(l); break; }
                case (byte)'a': { var v = Pop(); Append(Top(), [v]); break; }
                case (byte)'e': { var items = PopMark(); Append(Top(), items); break; }
                case (byte)'}': stack.Add(new PickledDict()); break;
                case (byte)'d': { var d = new PickledDict(); AddPairs(d, PopMark()); stack.Add(d); break; }
                case (byte)'s': { var v = Pop(); var k = Pop(); AddPairs(Top(), [k, v]); break; }
                case (byte)'u': { var items = PopMark(); AddPairs(Top(), items); break; }
                case 0x8f: stack.Add(new PickledSet(frozen: false)); break;
                case 0x90: { var items = PopMark(); if (Top() is PickledSet s) s.Items.AddRange(items); else throw new PickleScanException("ADDITEMS on a non-set"); break; }
                case 0x91: { var s = new PickledSet(frozen: true); s.Items.AddRange(PopMark()); stack.Add(s); break; }

                case (byte)'c':
                    {
                        var module = Line(pickle, ref pos);
                        stack.Add(new PyGlobal(module, Line(pickle, ref pos)));
                        break;
                    }
                case 0x93:
                    {
                        var name = Pop() as string ?? throw new PickleScanException("STACK_GLOBAL name is not a str");
                        var module = Pop() as string ?? throw new PickleScanException("STACK_GLOBAL module is not a str");
                        stack.Add(new PyGlobal(module, name));
                        break;
                    }
                case 0x82: stack.Add(new PyGlobal("copyreg:extension", Take(pickle, ref pos, 1)[0].ToString(CultureInfo.InvariantCulture))); break;
                case 0x83: stack.Add(new PyGlobal("copyreg:extension", BinaryPrimitives.ReadUInt16LittleEndian(Take(pickle, ref pos, 2)).ToString(CultureInfo.InvariantCulture))); break;
                case 0x84: stack.Add(new PyGlobal("copyreg:extension", BinaryPrimitives.ReadInt32LittleEndian(Take(pickle, ref pos, 4)).ToString(CultureInfo.InvariantCulture))); break;
                case (byte)'R': { var args = Pop(); var f = Pop(); stack.Add(Record(calls, new PickledCall(f, args))); break; }
                case 0x81: { var args = Pop(); var cls = Pop(); stack.Add(Record(calls, new PickledCall(cls, args))); break; }
                case 0x92: { var kwargs = Pop(); var args = Pop(); var cls = Pop(); stack.Add(Record(calls, new PickledCall(cls, args) { Kwargs = kwargs })); break; }
                case (byte)'o': { var items = PopMark(); if (items.Count == 0) throw new PickleScanException("OBJ without a class"); stack.Add(Record(calls, new PickledCall(items[0], new PyTuple([.. items.Skip(1)])))); break; }
                case (byte)'i':
                    {
                        var module = Line(pickle, ref pos);
                        var cls = new PyGlobal(module, Line(pickle, ref pos));
                        stack.Add(Record(calls, new PickledCall(cls, new PyTuple([.. PopMark()]))));
                        break;
                    }
                case (byte)'b':
                    {
                        var state = Pop();
                        if (Top() is PickledCall call) call.States.Add(state);
                        else throw new PickleScanException("BUILD on a value that no call made");
                        break;
                    }
                case (byte)'P': stack.Add(Record(calls, new PickledCall(new PyGlobal("pickle", "persistent_load"), new PyTuple(Line(pickle, ref pos))))); break;
                case (byte)'Q': stack.Add(Record(calls, new PickledCall(new PyGlobal("pickle", "persistent_load"), new PyTuple(Pop())))); break;

                case (byte)'p': memo[ParseIndex(Line(pickle, ref pos))] = Top(); break;
                case (byte)'q': memo[Take(pickle, ref pos, 1)[0]] = Top(); break;
                case (byte)'r': memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(pickle, ref pos, 4))] = Top(); break;
                case 0x94: memo[memo.Count] = Top(); break;
                case (byte)'g': stack.Add(Memo(memo, ParseIndex(Line(pickle, ref pos)))); break;
                case (byte)'h': stack.Add(Memo(memo, Take(pickle, ref pos, 1)[0])); break;
                case (byte)'j': stack.Add(Memo(memo, BinaryPrimitives.ReadUInt32LittleEndian(Take(pickle, ref pos, 4)))); break;
                default: throw new PickleScanException($"unknown opcode 0x{op:x2} at {pos - 1}");
            }
        }
    }

    private static PickledCall Record(List<PickledCall> calls, PickledCall call)
    {
        calls.Add(call);
        return call;
    }

    private static object? Memo(Dictionary<long, object?> memo, long index) =>
        memo.TryGetValue(index, out var v) ? v : throw new PickleScanException($"memo {index} was never stored");

    private static void Append(object? target, List<object?> items)
    {
        switch (target)
        {
            case PickledList l: l.AddRange(items); break;
            case PickledCall c: c.Appended.AddRange(items); break; // list subclass built by a call
            default: throw new PickleScanException("APPEND on a non-list");
        }
    }

    private static void AddPairs(object? target, List<object?> items)
    {
        if (items.Count % 2 != 0) throw new PickleScanException("SETITEMS with an odd number of items");
        var pairs = target switch
        {
            PickledDict d => d,
            PickledCall c => c.Items, // dict subclass built by a call
            _ => throw new PickleScanException("SETITEM on a non-dict"),
        };
        for (int i = 0; i < items.Count; i += 2) pairs.Add(new KeyValuePair<object?, object?>(items[i], items[i + 1]));
    }

    private static ReadOnlySpan<byte> Take(ReadOnlySpan<byte> p, ref int pos, long n)
    {
        if (n < 0 || n > p.Length - pos) throw new PickleScanException("truncated pickle");
        var s = p.Slice(pos, (int)n);
        pos += (int)n;
        return s;
    }

    private static long Length(ReadOnlySpan<byte> p, ref int pos, int width) => width == 4
        ? BinaryPrimitives.ReadUInt32LittleEndian(Take(p, ref pos, 4))
        : (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(Take(p, ref pos, 8)), long.MaxValue);

    private static string Line(ReadOnlySpan<byte> p, ref int pos) => Encoding.UTF8.GetString(LineBytes(p, ref pos));

    private static ReadOnlySpan<byte> LineBytes(ReadOnlySpan<byte> p, ref int pos)
    {
        int nl = p[pos..].IndexOf((byte)'\n');
        if (nl < 0) throw new PickleScanException("truncated pickle (no newline)");
        var line = p.Slice(pos, nl);
        pos += nl + 1;
        return line;
    }

    /// <summary>Python's raw-unicode-escape (protocol 0 UNICODE): Latin-1 bytes with \uXXXX and \UXXXXXXXX escapes.</summary>
    private static string RawUnicodeEscape(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length);
        for (int i = 0; i < bytes.Length; i++)
        {
            int width = i + 1 < bytes.Length && bytes[i] == '\\' ? bytes[i + 1] switch { (byte)'u' => 4, (byte)'U' => 8, _ => 0 } : 0;
            if (width > 0 && i + 2 + width <= bytes.Length
                && int.TryParse(Encoding.ASCII.GetString(bytes.Slice(i + 2, width)), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int cp))
            {
                sb.Append(char.ConvertFromUtf32(cp));
                i += 1 + width;
            }
            else
            {
                sb.Append((char)bytes[i]);
            }
        }
        return sb.ToString();
    }

    private static double ParseFloat(string text) => text switch
    {
        "inf" => double.PositiveInfinity,
        "-inf" => double.NegativeInfinity,
        "nan" => double.NaN,
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw new PickleScanException("bad float " + text),
    };

    private static long ParseIndex(string text) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw new PickleScanException("bad memo index " + text);

    private static object ParseInt(string text)
    {
        var n = BigInteger.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return n >= long.MinValue && n <= long.MaxValue ? (long)n : n;
    }

    private static object LittleEndianInt(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0) return 0L;
        var n = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return n >= long.MinValue && n <= long.MaxValue ? (long)n : n;
    }
}

/// <summary>
/// The value a pickle describes, and every call it would make in the order it would make them, including
/// calls whose results it discards (cloudpickle applies a function's state with a REDUCE it then POPs).
/// </summary>
public sealed record PickleScan(object? Value, IReadOnlyList<PickledCall> Calls);

/// <summary>A pickle the scanner cannot read.</summary>
public sealed class PickleScanException(string message) : Exception(message);

/// <summary>A list as a pickle describes it (mutable while scanning: APPEND adds to it).</summary>
public sealed class PickledList : List<object?>;

/// <summary>A dict as a pickle describes it, in insertion order.</summary>
public sealed class PickledDict : List<KeyValuePair<object?, object?>>
{
    /// <summary>The last value stored under a str key, like Python's dict.</summary>
    public object? this[string key]
    {
        get
        {
            for (int i = Count - 1; i >= 0; i--)
                if (this[i].Key is string k && k == key) return this[i].Value;
            return null;
        }
    }

    public bool ContainsKey(string key) => this.Any(kv => kv.Key is string k && k == key);
}

/// <summary>A set or frozenset as a pickle describes it.</summary>
public sealed class PickledSet(bool frozen)
{
    public bool Frozen { get; } = frozen;
    public List<object?> Items { get; } = [];
}

/// <summary>
/// What a REDUCE, NEWOBJ, OBJ or INST would call, never called: the callable (usually a <see cref="PyGlobal"/>),
/// its arguments, and what BUILD, APPEND and SETITEM would then do to the result.
/// </summary>
public sealed class PickledCall(object? callable, object? args)
{
    public object? Callable { get; } = callable;
    public object? Args { get; } = args;
    public object? Kwargs { get; init; }
    public List<object?> States { get; } = [];
    public List<object?> Appended { get; } = [];
    public List<KeyValuePair<object?, object?>> Items { get; } = [];

    /// <summary>True when the callable is the global <paramref name="module"/>.<paramref name="name"/>.</summary>
    public bool Calls(string module, string name) => Callable is PyGlobal g && g.Module == module && g.Name == name;

    /// <summary>The positional arguments, when they are a tuple.</summary>
    public object?[] ArgList => Args is PyTuple t ? t.Items : [];
}
