using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;

namespace Scheduler.Core.Pickle.Symbolic;

/// <summary>
/// Interprets a pickle's opcodes (protocols 0 to 5) into an inert <see cref="PickleNode"/> graph. Nothing named
/// in the pickle is imported or called: a global is its name, a call is its callable and arguments, BUILD and
/// APPEND/SETITEM on call-built objects are recorded on the node. Memo references alias the same node, so
/// shared values and cycles survive. The loop is flat (no recursion), so no pickle can exhaust the C# stack.
/// </summary>
public sealed class SymbolicReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly byte[] _data;
    private readonly PickleBounds _bounds;
    private readonly List<PickleNode> _stack = new(64);
    private readonly List<int> _marks = [];
    // The memo: protocol 4/5 pickles number it 0, 1, 2, ... (MEMOIZE), so a list holds it; a PUT/BINPUT to an
    // index out of that sequence moves it to a dictionary. A graph pickle memoizes nearly every value it holds.
    private readonly List<PickleNode> _memo;
    private Dictionary<long, PickleNode>? _sparseMemo;
    // None, the bools and the small ints are immutable and compared by value, so one node each serves the whole
    // pickle: a 2024.12 graph has two Nones per task (a layer's unset annotations). Only scalars: a node that a
    // discarded call or a BUILD can be attached to must stay the one the pickle made.
    private PickleNode? _none, _true, _false;
    private PickleNode?[]? _smallInts;
    private int _pos;
    private int _opStart;
    private int _nodes;
    private int _buffers;

    private SymbolicReader(byte[] data, PickleBounds bounds)
    {
        _data = data;
        _bounds = bounds;
        _memo = new List<PickleNode>((int)Math.Min(data.Length / 16, 1 << 24));
    }

    /// <summary>The number of NEXT_BUFFER opcodes read: the out-of-band buffers the pickle consumes.</summary>
    public int BufferCount => _buffers;

    /// <summary>Reads <paramref name="pickle"/> into its root node; throws <see cref="PickleRefusedException"/>.</summary>
    public static PickleNode Read(byte[] pickle, PickleBounds? bounds = null) => Read(pickle, bounds, out _);

    /// <summary>As <see cref="Read(byte[], PickleBounds?)"/>, also giving the number of out-of-band buffers read.</summary>
    public static PickleNode Read(byte[] pickle, PickleBounds? bounds, out int bufferCount)
    {
        bounds ??= PickleBounds.Default;
        if (pickle.LongLength > bounds.MaxBytes)
            throw new PickleRefusedException($"the pickle has {pickle.LongLength} bytes, over the limit of {bounds.MaxBytes}");
        var reader = new SymbolicReader(pickle, bounds);
        var root = reader.Run();
        bufferCount = reader._buffers;
        return root;
    }

    private PickleRefusedException Refuse(string message) => new(message, _opStart);

    private PickleNode Run()
    {
        var p = _data;
        while (true)
        {
            if (_pos >= p.Length) throw new PickleRefusedException("truncated pickle: no STOP opcode", _pos);
            _opStart = _pos;
            byte op = p[_pos++];
            switch (op)
            {
                case 0x80: // PROTO
                    {
                        int proto = Take(1)[0];
                        if (proto > 5) throw Refuse($"unsupported pickle protocol {proto}");
                        break;
                    }
                case 0x95: Take(8); break; // FRAME: only a read-ahead hint
                case (byte)'.': // STOP
                    if (_stack.Count == 0) throw Refuse("STOP with an empty stack");
                    return _stack[^1];
                case (byte)'(': // MARK
                    if (_marks.Count >= _bounds.MaxDepth) throw Refuse($"nesting deeper than the limit of {_bounds.MaxDepth}");
                    _marks.Add(_stack.Count);
                    break;
                case (byte)'0': Discard(Pop()); break; // POP
                case (byte)'1': // POP_MARK
                    {
                        int m = PopMark();
                        for (int i = m; i < _stack.Count; i++) Discard(_stack[i]);
                        _stack.RemoveRange(m, _stack.Count - m);
                        break;
                    }
                case (byte)'2': // DUP
                    {
                        var top = Top();
                        top.Shared = true; // a second reference: a POP of one copy is no longer a discarded call
                        top.Referenced = true;
                        _stack.Add(top);
                        break;
                    }

                case (byte)'N': Push(_none ??= PickleNode.None()); break;
                case 0x88: Push(_true ??= PickleNode.Bool(true)); break;
                case 0x89: Push(_false ??= PickleNode.Bool(false)); break;
                case (byte)'I': // INT (protocol 0): "01"/"00" are the bools of old pickles
                    {
                        var text = Line();
                        Push(text switch { "01" => PickleNode.Bool(true), "00" => PickleNode.Bool(false), _ => PickleNode.Int(ParseInt(text)) });
                        break;
                    }
                case (byte)'J': Push(PickleNode.Int(BinaryPrimitives.ReadInt32LittleEndian(Take(4)))); break;
                case (byte)'K': Push(SmallInt(Take(1)[0])); break;
                case (byte)'M': Push(PickleNode.Int(BinaryPrimitives.ReadUInt16LittleEndian(Take(2)))); break;
                case (byte)'L': Push(PickleNode.Int(ParseInt(Line().TrimEnd('L')))); break;
                case 0x8a: Push(PickleNode.Int(LittleEndianInt(Take(Take(1)[0])))); break; // LONG1
                case 0x8b: Push(PickleNode.Int(LittleEndianInt(Take(Length(4))))); break; // LONG4
                case (byte)'F': Push(PickleNode.Float(ParseFloat(Line()))); break;
                case (byte)'G': Push(PickleNode.Float(BinaryPrimitives.ReadDoubleBigEndian(Take(8)))); break;

                case (byte)'S': Push(PickleNode.Str(ParseQuoted(Line()))); break; // STRING (Python 2 str)
                case (byte)'T': Push(PickleNode.Str(Encoding.Latin1.GetString(Take(Length(4))))); break; // BINSTRING
                case (byte)'U': Push(PickleNode.Str(Encoding.Latin1.GetString(Take(Take(1)[0])))); break; // SHORT_BINSTRING
                case (byte)'V': Push(PickleNode.Str(RawUnicodeEscape(LineBytes()))); break; // UNICODE
                case (byte)'X': Push(Utf8(Take(Length(4)))); break; // BINUNICODE
                case 0x8c: Push(Utf8(Take(Take(1)[0]))); break; // SHORT_BINUNICODE
                case 0x8d: Push(Utf8(Take(Length(8)))); break; // BINUNICODE8
                case (byte)'B': Push(PickleNode.Bytes(Take(Length(4)).ToArray())); break; // BINBYTES
                case (byte)'C': Push(PickleNode.Bytes(Take(Take(1)[0]).ToArray())); break; // SHORT_BINBYTES
                case 0x8e: Push(PickleNode.Bytes(Take(Length(8)).ToArray())); break; // BINBYTES8
                case 0x96: Push(PickleNode.ByteArray(Take(Length(8)).ToArray())); break; // BYTEARRAY8
                case 0x97: Push(PickleNode.Buffer(_buffers++)); break; // NEXT_BUFFER
                case 0x98: case 0x99: // READONLY_BUFFER / READWRITE_BUFFER
                    {
                        var top = Top();
                        if (top.Kind != NodeKind.Buffer) throw Refuse($"{(op == 0x98 ? "READONLY_BUFFER" : "READWRITE_BUFFER")} on a value that is not an out-of-band buffer");
                        top.BufferFlag = op == 0x98 ? BufferFlag.ReadOnly : BufferFlag.ReadWrite;
                        break;
                    }

                case (byte)')': Push(PickleNode.EmptyTuple()); break;
                case (byte)'t': Push(PickleNode.Sequence(NodeKind.Tuple, TakeMarked())); break;
                case 0x85: Push(PickleNode.Sequence(NodeKind.Tuple, TakeTop(1))); break;
                case 0x86: Push(PickleNode.Sequence(NodeKind.Tuple, TakeTop(2))); break;
                case 0x87: Push(PickleNode.Sequence(NodeKind.Tuple, TakeTop(3))); break;
                case (byte)']': Push(PickleNode.Sequence(NodeKind.List, null)); break;
                case (byte)'l': Push(PickleNode.Sequence(NodeKind.List, TakeMarked())); break;
                case (byte)'}': Push(PickleNode.DictOf(null)); break;
                case (byte)'d': // DICT
                    {
                        int m = PopMark();
                        var pairs = Pairs(m);
                        _stack.RemoveRange(m, _stack.Count - m);
                        Push(PickleNode.DictOf(pairs));
                        break;
                    }
                case 0x8f: Push(PickleNode.Sequence(NodeKind.Set, null)); break;
                case 0x91: Push(PickleNode.Sequence(NodeKind.FrozenSet, TakeMarked())); break;
                case (byte)'a': // APPEND
                    {
                        var v = Pop();
                        Append(Top(), [v]);
                        break;
                    }
                case (byte)'e': // APPENDS
                    {
                        int m = PopMark();
                        if (m == 0) throw Refuse("APPENDS with no list below the mark");
                        Append(_stack[m - 1], CollectionsMarshal.AsSpan(_stack)[m..]);
                        _stack.RemoveRange(m, _stack.Count - m);
                        break;
                    }
                case 0x90: // ADDITEMS
                    {
                        int m = PopMark();
                        if (m == 0) throw Refuse("ADDITEMS with no set below the mark");
                        var target = _stack[m - 1];
                        var items = CollectionsMarshal.AsSpan(_stack)[m..];
                        if (target.Kind == NodeKind.Set) target.ItemsFor(items.Length).AddRange(items);
                        else if (target.IsCall) target.AddAdded(items);
                        else throw Refuse($"ADDITEMS on a {target.Kind}");
                        _stack.RemoveRange(m, _stack.Count - m);
                        break;
                    }
                case (byte)'s': // SETITEM
                    {
                        var v = Pop();
                        var k = Pop();
                        SetItem(Top(), k, v);
                        break;
                    }
                case (byte)'u': // SETITEMS
                    {
                        int m = PopMark();
                        if (m == 0) throw Refuse("SETITEMS with no dict below the mark");
                        if ((_stack.Count - m) % 2 != 0) throw Refuse("SETITEMS with an odd number of items");
                        var target = _stack[m - 1];
                        if (target.Kind == NodeKind.Dict) target.PairsFor((_stack.Count - m) / 2);
                        for (int i = m; i < _stack.Count; i += 2) SetItem(target, _stack[i], _stack[i + 1]);
                        _stack.RemoveRange(m, _stack.Count - m);
                        break;
                    }

                case (byte)'c': // GLOBAL
                    {
                        var module = Line();
                        Push(PickleNode.Global(module, Line()));
                        break;
                    }
                case 0x93: // STACK_GLOBAL
                    {
                        var name = Pop().AsString ?? throw Refuse("STACK_GLOBAL name is not a str");
                        var module = Pop().AsString ?? throw Refuse("STACK_GLOBAL module is not a str");
                        Push(PickleNode.Global(module, name));
                        break;
                    }
                case (byte)'R': // REDUCE
                    {
                        var args = Pop();
                        var f = Pop();
                        Push(PickleNode.Reduce(f, args));
                        break;
                    }
                case 0x81: // NEWOBJ
                    {
                        var args = Pop();
                        var cls = Pop();
                        Push(PickleNode.NewObj(cls, args));
                        break;
                    }
                case 0x92: // NEWOBJ_EX
                    {
                        var kwargs = Pop();
                        var args = Pop();
                        var cls = Pop();
                        Push(PickleNode.NewObjEx(cls, args, kwargs));
                        break;
                    }
                case (byte)'o': // OBJ: MARK cls args... -> cls(*args)
                    {
                        int m = PopMark();
                        if (_stack.Count == m) throw Refuse("OBJ without a class");
                        var cls = _stack[m];
                        var args = _stack.GetRange(m + 1, _stack.Count - m - 1);
                        _stack.RemoveRange(m, _stack.Count - m);
                        Push(PickleNode.Reduce(cls, Count(PickleNode.Sequence(NodeKind.Tuple, args))));
                        break;
                    }
                case (byte)'i': // INST: MARK args... then "module\nname\n" -> cls(*args)
                    {
                        var module = Line();
                        var cls = Count(PickleNode.Global(module, Line()));
                        var args = Count(PickleNode.Sequence(NodeKind.Tuple, TakeMarked()));
                        Push(PickleNode.Reduce(cls, args));
                        break;
                    }
                case (byte)'b': // BUILD
                    {
                        var state = Pop();
                        var target = Top();
                        if (!target.IsCall) throw Refuse($"BUILD on a {target.Kind}, not an object a call made");
                        target.AddState(state);
                        break;
                    }

                case (byte)'p': Memo(ParseIndex(Line())); break; // PUT
                case (byte)'q': Memo(Take(1)[0]); break; // BINPUT
                case (byte)'r': Memo(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))); break; // LONG_BINPUT
                case 0x94: Memo(_sparseMemo?.Count ?? _memo.Count); break; // MEMOIZE: the index is len(memo)
                case (byte)'g': Get(ParseIndex(Line())); break; // GET
                case (byte)'h': Get(Take(1)[0]); break; // BINGET
                case (byte)'j': Get(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))); break; // LONG_BINGET

                case (byte)'P': throw Refuse("PERSID (persistent id) is refused: it needs the sender's persistent_load");
                case (byte)'Q': throw Refuse("BINPERSID (persistent id) is refused: it needs the sender's persistent_load");
                case 0x82: throw Refuse("EXT1 (copyreg extension registry) is refused");
                case 0x83: throw Refuse("EXT2 (copyreg extension registry) is refused");
                case 0x84: throw Refuse("EXT4 (copyreg extension registry) is refused");
                default: throw Refuse($"unknown pickle opcode 0x{op:x2}");
            }
        }
    }

    // ---- stack ----

    private void Push(PickleNode node)
    {
        Count(node);
        node.Referenced = false; // new: only a GET or DUP makes a second reference
        _stack.Add(node);
    }

    private PickleNode SmallInt(byte value) => (_smallInts ??= new PickleNode?[256])[value] ??= PickleNode.Int(value);

    private PickleNode Count(PickleNode node)
    {
        if (++_nodes > _bounds.MaxNodes) throw Refuse($"more than the limit of {_bounds.MaxNodes} nodes");
        return node;
    }

    private PickleNode Pop()
    {
        int n = _stack.Count;
        if (n == 0 || (_marks.Count > 0 && _marks[^1] == n)) throw Refuse("stack underflow");
        var v = _stack[n - 1];
        _stack.RemoveAt(n - 1);
        return v;
    }

    private PickleNode Top()
    {
        int n = _stack.Count;
        if (n == 0 || (_marks.Count > 0 && _marks[^1] == n)) throw Refuse("stack underflow");
        return _stack[n - 1];
    }

    private int PopMark()
    {
        if (_marks.Count == 0) throw Refuse("stack underflow: no MARK");
        int m = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        return m;
    }

    private List<PickleNode> TakeMarked()
    {
        int m = PopMark();
        var items = _stack.GetRange(m, _stack.Count - m);
        _stack.RemoveRange(m, _stack.Count - m);
        return items;
    }

    private List<PickleNode> TakeTop(int n)
    {
        int floor = _marks.Count > 0 ? _marks[^1] : 0;
        if (_stack.Count - floor < n) throw Refuse("stack underflow");
        var items = _stack.GetRange(_stack.Count - n, n);
        _stack.RemoveRange(_stack.Count - n, n);
        return items;
    }

    private List<KeyValuePair<PickleNode, PickleNode>> Pairs(int m)
    {
        if ((_stack.Count - m) % 2 != 0) throw Refuse("DICT with an odd number of items");
        var pairs = new List<KeyValuePair<PickleNode, PickleNode>>((_stack.Count - m) / 2);
        for (int i = m; i < _stack.Count; i += 2) pairs.Add(new(_stack[i], _stack[i + 1]));
        return pairs;
    }

    /// <summary>
    /// A value dropped from the stack. A call nobody else holds (never memoized) was made for its effect:
    /// cloudpickle writes <c>_function_setstate(f, state)</c> that way. It is attached to its first argument so the
    /// emitter can replay it after that object; dropping it would lose the function's globals and defaults.
    /// </summary>
    private void Discard(PickleNode v)
    {
        if (v.Kind != NodeKind.Reduce || v.Shared) return;
        if (v.Args is not { Kind: NodeKind.Tuple } args || args.Items.Count == 0)
            throw Refuse("POP discards a call that has no argument to attach it to");
        var target = args.Items[0];
        if (target.IsScalar) throw Refuse($"POP discards a call on a {target.Kind}");
        target.AddSideEffect(v);
    }

    private void Append(PickleNode target, ReadOnlySpan<PickleNode> items)
    {
        if (target.Kind == NodeKind.List) target.ItemsFor(items.Length).AddRange(items);
        else if (target.IsCall) target.AddAppended(items);
        else throw Refuse($"APPEND on a {target.Kind}");
    }

    private void SetItem(PickleNode target, PickleNode key, PickleNode value)
    {
        if (target.Kind == NodeKind.Dict) target.MutablePairs.Add(new(key, value));
        else if (target.IsCall) target.AddSetItem(key, value);
        else throw Refuse($"SETITEM on a {target.Kind}");
    }

    private void Memo(long index)
    {
        var top = Top();
        top.Shared = true;
        if (_sparseMemo == null)
        {
            if (index == _memo.Count) { _memo.Add(top); return; }
            if (index >= 0 && index < _memo.Count) { _memo[(int)index] = top; return; }
            _sparseMemo = new Dictionary<long, PickleNode>(_memo.Count + 1);
            for (int i = 0; i < _memo.Count; i++) _sparseMemo[i] = _memo[i];
            _memo.Clear();
        }
        _sparseMemo[index] = top;
    }

    private void Get(long index)
    {
        PickleNode? node;
        if (_sparseMemo != null) _sparseMemo.TryGetValue(index, out node);
        else node = index >= 0 && index < _memo.Count ? _memo[(int)index] : null;
        if (node == null) throw Refuse($"memo entry {index} was never stored");
        node.Referenced = true;
        _stack.Add(node);
    }

    // ---- primitive decoding ----

    private ReadOnlySpan<byte> Take(long n)
    {
        if (n < 0 || n > _data.Length - _pos) throw new PickleRefusedException("truncated pickle", _opStart);
        var s = new ReadOnlySpan<byte>(_data, _pos, (int)n);
        _pos += (int)n;
        return s;
    }

    private long Length(int width) => width == 4
        ? BinaryPrimitives.ReadUInt32LittleEndian(Take(4))
        : (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(Take(8)), long.MaxValue);

    private string Line() => Encoding.UTF8.GetString(LineBytes());

    private ReadOnlySpan<byte> LineBytes()
    {
        int nl = new ReadOnlySpan<byte>(_data, _pos, _data.Length - _pos).IndexOf((byte)'\n');
        if (nl < 0) throw new PickleRefusedException("truncated pickle: a text argument has no newline", _opStart);
        var line = new ReadOnlySpan<byte>(_data, _pos, nl);
        _pos += nl + 1;
        return line;
    }

    /// <summary>str from UTF-8; Python writes lone surrogates with surrogatepass, which C# cannot hold: keep the bytes.</summary>
    private static PickleNode Utf8(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return PickleNode.Str(StrictUtf8.GetString(bytes));
        }
        catch (DecoderFallbackException)
        {
            return PickleNode.RawStr(bytes.ToArray());
        }
    }

    private string ParseQuoted(string text)
    {
        if (text.Length >= 2 && (text[0] == '\'' || text[0] == '"') && text[^1] == text[0]) return text[1..^1];
        throw Refuse("STRING argument is not quoted");
    }

    private static string RawUnicodeEscape(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length);
        for (int i = 0; i < bytes.Length; i++)
        {
            int width = i + 1 < bytes.Length && bytes[i] == '\\' ? bytes[i + 1] switch { (byte)'u' => 4, (byte)'U' => 8, _ => 0 } : 0;
            if (width > 0 && i + 2 + width <= bytes.Length
                && int.TryParse(Encoding.ASCII.GetString(bytes.Slice(i + 2, width)), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int cp)
                && cp is >= 0 and <= 0x10FFFF and not (>= 0xD800 and <= 0xDFFF))
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

    private double ParseFloat(string text) => text switch
    {
        "inf" => double.PositiveInfinity,
        "-inf" => double.NegativeInfinity,
        "nan" => double.NaN,
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw Refuse("bad FLOAT argument"),
    };

    private long ParseIndex(string text) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw Refuse("bad memo index");

    private BigInteger ParseInt(string text)
    {
        if (text.Length > 10_000) throw Refuse("INT argument too long");
        return BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : throw Refuse("bad INT argument");
    }

    private static BigInteger LittleEndianInt(ReadOnlySpan<byte> bytes) =>
        bytes.Length == 0 ? BigInteger.Zero : new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
}
