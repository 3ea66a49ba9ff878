using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Scheduler.Core.Pickle.Symbolic;

/// <summary>
/// Writes a <see cref="PickleNode"/> graph as one standalone protocol-5 pickle with a fresh memo, the way
/// Python's pickler would write the objects the nodes stand for: every container and object is memoized as
/// soon as it exists, so shared nodes and cycles become memo GETs; BUILD states, post-construction items and
/// side-effect calls follow their object. The walk is an explicit work stack, so depth costs heap, not C#
/// stack, and is bounded by <see cref="PickleBounds.MaxDepth"/>. An instance can be reused for many pickles
/// (its buffers are kept) but not concurrently.
/// </summary>
public sealed class SymbolicEmitter(PickleBounds? bounds = null)
{
    private const byte Mark = (byte)'(', Stop = (byte)'.', Pop = (byte)'0', PopMark = (byte)'1';
    private const byte Appends = (byte)'e', SetItems = (byte)'u', AddItems = 0x90, Build = (byte)'b', Reduce = (byte)'R';

    private readonly PickleBounds _bounds = bounds ?? PickleBounds.Default;
    private readonly Dictionary<PickleNode, int> _memo = new(ReferenceEqualityComparer.Instance);
    private readonly List<Work> _work = [];
    private readonly List<int> _buffers = [];
    private byte[] _out = new byte[256];
    private int _len;
    private int _depth;

    private enum Op : byte { Emit, Byte, TupleEnd, FrozenSetEnd, CallEnd, Post, Exit }

    private readonly record struct Work(Op Op, PickleNode? Node, int Arg);

    /// <summary>Emits <paramref name="root"/> with a new emitter.</summary>
    public static EmittedPickle EmitOnce(PickleNode root, PickleBounds? bounds = null) => new SymbolicEmitter(bounds).Emit(root);

    /// <summary>Writes <paramref name="root"/> as a standalone pickle; throws <see cref="PickleRefusedException"/> over a bound.</summary>
    public EmittedPickle Emit(PickleNode root)
    {
        _memo.Clear();
        _work.Clear();
        _buffers.Clear();
        _len = 0;
        _depth = 0;
        Write(0x80);
        Write(5);
        _work.Add(new Work(Op.Emit, root, 0));
        while (_work.Count > 0)
        {
            var w = _work[^1];
            _work.RemoveAt(_work.Count - 1);
            switch (w.Op)
            {
                case Op.Emit: EmitNode(w.Node!); break;
                case Op.Byte: Write((byte)w.Arg); break;
                case Op.TupleEnd: EndSequence(w.Node!, w.Arg, w.Arg switch { 1 => 0x85, 2 => 0x86, 3 => 0x87, _ => (byte)'t' }); break;
                case Op.FrozenSetEnd: EndSequence(w.Node!, int.MaxValue, 0x91); break;
                case Op.CallEnd:
                    Write((byte)w.Arg);
                    if (_memo.TryGetValue(w.Node!, out int seen))
                    {
                        // The object was completed inside its own arguments (a cycle): use that one, as pickle does.
                        Write(Pop);
                        WriteGet(seen);
                        _depth--;
                    }
                    else
                    {
                        Memoize(w.Node!);
                        PushPost(w.Node!);
                    }
                    break;
                case Op.Post: PushPostItems(w.Node!); break;
                case Op.Exit: _depth--; break;
            }
        }
        Write(Stop);
        return new EmittedPickle(_out.AsSpan(0, _len).ToArray(), [.. _buffers]);
    }

    private void EmitNode(PickleNode node)
    {
        if (_memo.TryGetValue(node, out int index))
        {
            WriteGet(index);
            return;
        }
        switch (node.Kind)
        {
            case NodeKind.None: Write((byte)'N'); return;
            case NodeKind.Bool: Write((bool)node.Value! ? (byte)0x88 : (byte)0x89); return;
            case NodeKind.Int: WriteInt(node.Value!); return;
            case NodeKind.Float:
                Write((byte)'G');
                BinaryPrimitives.WriteDoubleBigEndian(Reserve(8), (double)node.Value!);
                return;
            case NodeKind.Str:
                WriteStr(node.Value);
                Done(node);
                return;
            case NodeKind.Bytes:
                {
                    var b = (byte[])node.Value!;
                    if (b.Length < 256) { Write((byte)'C'); Write((byte)b.Length); }
                    else if (b.LongLength <= uint.MaxValue) { Write((byte)'B'); BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), (uint)b.Length); }
                    else { Write(0x8e); BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), (ulong)b.LongLength); }
                    b.CopyTo(Reserve(b.Length));
                    Done(node);
                    return;
                }
            case NodeKind.ByteArray:
                {
                    var b = (byte[])node.Value!;
                    Write(0x96);
                    BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), (ulong)b.LongLength);
                    b.CopyTo(Reserve(b.Length));
                    Done(node);
                    return;
                }
            case NodeKind.Global:
                WriteStr(node.Value);
                WriteStr(node.Name);
                Write(0x93);
                Done(node);
                return;
            case NodeKind.Buffer:
                _buffers.Add(node.BufferIndex);
                Write(0x97);
                if (node.BufferFlag == BufferFlag.ReadOnly) Write(0x98);
                else if (node.BufferFlag == BufferFlag.ReadWrite) Write(0x99);
                Done(node);
                return;
            case NodeKind.Tuple:
                {
                    var items = node.Items;
                    if (items.Count == 0)
                    {
                        Write((byte)')');
                        Done(node);
                        return;
                    }
                    if (items.Count > 3) Write(Mark);
                    Enter();
                    _work.Add(new Work(Op.TupleEnd, node, items.Count));
                    PushReversed(items);
                    return;
                }
            case NodeKind.FrozenSet:
                Write(Mark);
                Enter();
                _work.Add(new Work(Op.FrozenSetEnd, node, 0));
                PushReversed(node.Items);
                return;
            case NodeKind.List:
            case NodeKind.Set:
                {
                    Write(node.Kind == NodeKind.List ? (byte)']' : (byte)0x8f);
                    Memoize(node);
                    Enter();
                    PushPost(node);
                    var items = node.Items;
                    if (items.Count > 0)
                    {
                        _work.Add(new Work(Op.Byte, null, node.Kind == NodeKind.List ? Appends : AddItems));
                        PushReversed(items);
                        Write(Mark);
                    }
                    return;
                }
            case NodeKind.Dict:
                {
                    Write((byte)'}');
                    Memoize(node);
                    Enter();
                    PushPost(node);
                    var pairs = node.Pairs;
                    if (pairs.Count > 0)
                    {
                        _work.Add(new Work(Op.Byte, null, SetItems));
                        PushPairsReversed(pairs);
                        Write(Mark);
                    }
                    return;
                }
            case NodeKind.Reduce:
            case NodeKind.NewObj:
            case NodeKind.NewObjEx:
                Enter();
                _work.Add(new Work(Op.CallEnd, node, node.Kind switch { NodeKind.Reduce => Reduce, NodeKind.NewObj => 0x81, _ => 0x92 }));
                if (node.Kind == NodeKind.NewObjEx) _work.Add(new Work(Op.Emit, node.Kwargs, 0));
                _work.Add(new Work(Op.Emit, node.Args, 0));
                _work.Add(new Work(Op.Emit, node.Callable, 0));
                return;
            default:
                throw new PickleRefusedException($"cannot emit a node of kind {node.Kind}");
        }
    }

    /// <summary>A memoizable leaf is complete: memoize it and replay what was applied to it.</summary>
    private void Done(PickleNode node)
    {
        Memoize(node);
        if (node.HasExtras)
        {
            Enter();
            PushPost(node);
        }
    }

    /// <summary>Closes a tuple or frozenset; when a cycle completed it meanwhile, drops this copy and GETs that one.</summary>
    private void EndSequence(PickleNode node, int count, byte opcode)
    {
        if (_memo.TryGetValue(node, out int seen))
        {
            if (count <= 3) for (int i = 0; i < count; i++) Write(Pop);
            else Write(PopMark);
            WriteGet(seen);
            _depth--;
            return;
        }
        Write(opcode);
        Memoize(node);
        PushPost(node);
    }

    /// <summary>Queues the post-construction steps of <paramref name="node"/>, then the Exit of its depth level.</summary>
    private void PushPost(PickleNode node) => _work.Add(new Work(Op.Post, node, 0));

    private void PushPostItems(PickleNode node)
    {
        // Runs when the node is complete. Queued in reverse, so they run in the order pickle's save_reduce writes
        // them: list items, dict items, set items, states, then the discarded state-setter calls.
        _work.Add(new Work(Op.Exit, null, 0));
        if (!node.HasExtras) return;
        var effects = node.SideEffects;
        for (int i = effects.Count - 1; i >= 0; i--)
        {
            _work.Add(new Work(Op.Byte, null, Pop));
            _work.Add(new Work(Op.Byte, null, Reduce));
            _work.Add(new Work(Op.Emit, effects[i].Args, 0));
            _work.Add(new Work(Op.Emit, effects[i].Callable, 0));
        }
        var states = node.States;
        for (int i = states.Count - 1; i >= 0; i--)
        {
            _work.Add(new Work(Op.Byte, null, Build));
            _work.Add(new Work(Op.Emit, states[i], 0));
        }
        if (node.Added.Count > 0)
        {
            _work.Add(new Work(Op.Byte, null, AddItems));
            PushReversed(node.Added);
            _work.Add(new Work(Op.Byte, null, Mark));
        }
        if (node.SetItems.Count > 0)
        {
            _work.Add(new Work(Op.Byte, null, SetItems));
            PushPairsReversed(node.SetItems);
            _work.Add(new Work(Op.Byte, null, Mark));
        }
        if (node.Appended.Count > 0)
        {
            _work.Add(new Work(Op.Byte, null, Appends));
            PushReversed(node.Appended);
            _work.Add(new Work(Op.Byte, null, Mark));
        }
    }

    private void PushReversed(IReadOnlyList<PickleNode> items)
    {
        for (int i = items.Count - 1; i >= 0; i--) _work.Add(new Work(Op.Emit, items[i], 0));
    }

    private void PushPairsReversed(IReadOnlyList<KeyValuePair<PickleNode, PickleNode>> pairs)
    {
        for (int i = pairs.Count - 1; i >= 0; i--)
        {
            _work.Add(new Work(Op.Emit, pairs[i].Value, 0));
            _work.Add(new Work(Op.Emit, pairs[i].Key, 0));
        }
    }

    private void Enter()
    {
        if (++_depth > _bounds.MaxDepth)
            throw new PickleRefusedException($"emitting nests deeper than the limit of {_bounds.MaxDepth}");
    }

    private void Memoize(PickleNode node)
    {
        _memo[node] = _memo.Count;
        Write(0x94);
    }

    private void WriteGet(int index)
    {
        if (index < 256)
        {
            Write((byte)'h');
            Write((byte)index);
        }
        else
        {
            Write((byte)'j');
            BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), (uint)index);
        }
    }

    private void WriteInt(object value)
    {
        if (value is long v)
        {
            if (v is >= 0 and < 256) { Write((byte)'K'); Write((byte)v); return; }
            if (v is >= 256 and < 65536) { Write((byte)'M'); BinaryPrimitives.WriteUInt16LittleEndian(Reserve(2), (ushort)v); return; }
            if (v is >= int.MinValue and <= int.MaxValue) { Write((byte)'J'); BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), (int)v); return; }
            value = new BigInteger(v);
        }
        var bytes = ((BigInteger)value).ToByteArray(); // little-endian two's complement, minimal: pickle's encode_long
        if (bytes.Length < 256) { Write(0x8a); Write((byte)bytes.Length); }
        else { Write(0x8b); BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), bytes.Length); }
        bytes.CopyTo(Reserve(bytes.Length));
    }

    /// <summary>A str (string, or raw UTF-8 bytes for one with lone surrogates), never memoized here.</summary>
    private void WriteStr(object? value)
    {
        int n = value is string s ? Encoding.UTF8.GetByteCount(s) : ((byte[])value!).Length;
        if (n < 256) { Write(0x8c); Write((byte)n); }
        else { Write((byte)'X'); BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), (uint)n); }
        var dest = Reserve(n);
        if (value is string str) Encoding.UTF8.GetBytes(str, dest);
        else ((byte[])value!).CopyTo(dest);
    }

    private void Write(byte b)
    {
        if (_len == _out.Length) Grow(1);
        _out[_len++] = b;
    }

    private Span<byte> Reserve(int n)
    {
        if (_out.Length - _len < n) Grow(n);
        var s = _out.AsSpan(_len, n);
        _len += n;
        return s;
    }

    private void Grow(int n)
    {
        long need = (long)_len + n;
        if (need > _bounds.MaxBytes || need > Array.MaxLength)
            throw new PickleRefusedException($"the emitted pickle would exceed the limit of {_bounds.MaxBytes} bytes");
        long size = Math.Max(need, Math.Min((long)_out.Length * 2, Array.MaxLength));
        Array.Resize(ref _out, (int)size);
    }
}
