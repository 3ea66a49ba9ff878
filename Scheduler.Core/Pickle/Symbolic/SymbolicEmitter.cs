using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
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
/// <remarks>
/// With <see cref="ReuseSharedSubtrees"/>, a value that many pickles contain (a cloudpickled function every task
/// of a graph calls) is written once and its bytes replayed: the bytes of a value depend only on the memo index
/// it starts at and on which of its nodes the memo holds, so a replay at the same index, with none of its nodes
/// memoized yet and no reference to a memo entry older than itself, is exactly what the walk would write.
/// </remarks>
public sealed class SymbolicEmitter(PickleBounds? bounds = null)
{
    private const byte Mark = (byte)'(', Stop = (byte)'.', Pop = (byte)'0', PopMark = (byte)'1';
    private const byte Appends = (byte)'e', SetItems = (byte)'u', AddItems = 0x90, Build = (byte)'b', Reduce = (byte)'R';

    private readonly PickleBounds _bounds = bounds ?? PickleBounds.Default;
    private readonly Dictionary<PickleNode, int> _memo = new(ReferenceEqualityComparer.Instance);
    private readonly List<PickleNode> _memoNodes = [];   // memo order: node i was MEMOIZEd as index i
    private readonly List<Work> _work = [];
    private readonly List<int> _buffers = [];
    private byte[] _out = new byte[256];
    private int _len;
    private int _depth;

    // Subtree reuse: null for a shared node seen once, then its recording (see the remarks).
    private readonly Dictionary<PickleNode, Subtree?> _subtrees = new(ReferenceEqualityComparer.Instance);
    private readonly List<Recording> _recordings = [];

    private enum Op : byte { Emit, Byte, TupleEnd, FrozenSetEnd, CallEnd, Post, Exit, RecordEnd }

    /// <summary>
    /// Replays the bytes of shared values (read from a pickle's memo) that several emitted pickles contain; the
    /// output is byte for byte the same. The nodes must not change while this emitter is in use.
    /// </summary>
    public bool ReuseSharedSubtrees { get; init; }

    /// <summary>A shared value written once, for replay at the same memo index.</summary>
    private sealed class Subtree
    {
        public int Attempts;
        public int MemoStart = -1;
        public byte[]? Bytes;
        public PickleNode[] Memoized = [];
        public int[] Buffers = [];
        public int Depth;
    }

    /// <summary>A value being written for <see cref="Subtree"/>: where it started, the oldest memo entry it read, how deep it went.</summary>
    private struct Recording
    {
        public Subtree Entry;
        public int Start, MemoStart, BufferStart, DepthStart, MaxDepth, MinGet;
    }

    private readonly record struct Work(Op Op, PickleNode? Node, int Arg);

    /// <summary>Emits <paramref name="root"/> with a new emitter.</summary>
    public static EmittedPickle EmitOnce(PickleNode root, PickleBounds? bounds = null) => new SymbolicEmitter(bounds).Emit(root);

    /// <summary>Writes <paramref name="root"/> as a standalone pickle; throws <see cref="PickleRefusedException"/> over a bound.</summary>
    public EmittedPickle Emit(PickleNode root)
    {
        EmitInPlace(root);
        return new EmittedPickle(Output.ToArray(), [.. _buffers]);
    }

    /// <summary>The pickle the last <see cref="EmitInPlace"/> wrote, valid until the next emission.</summary>
    internal ReadOnlySpan<byte> Output => _out.AsSpan(0, _len);

    /// <summary>The buffer indices of the last <see cref="EmitInPlace"/> (see <see cref="EmittedPickle.BufferIndices"/>).</summary>
    internal List<int> OutputBuffers => _buffers;

    /// <summary>Writes <paramref name="root"/> into this emitter's buffer (<see cref="Output"/>), without copying it out.</summary>
    internal void EmitInPlace(PickleNode root)
    {
        Begin();
        EmitValue(root);
        End();
    }

    // ---- a pickle written piecewise: fixed wrapper bytes around values, for run specs made of a template ----

    /// <summary>Starts a pickle: a fresh memo and the PROTO header.</summary>
    internal void Begin()
    {
        _memo.Clear();
        _memoNodes.Clear();
        _work.Clear();
        _buffers.Clear();
        _recordings.Clear();
        _len = 0;
        _depth = 0;
        Write(0x80);
        Write(5);
    }

    /// <summary>Ends the pickle (STOP); <see cref="Output"/> holds it.</summary>
    internal void End() => Write(Stop);

    /// <summary>Writes <paramref name="node"/> as the walk would at this point (memo references included).</summary>
    internal void EmitValue(PickleNode node)
    {
        _work.Add(new Work(Op.Emit, node, 0));
        Drain();
    }

    /// <summary>Bytes the caller knows to be what the walk would write (opcodes of a fixed wrapper).</summary>
    internal void WriteRaw(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    /// <summary>MEMOIZE of a wrapper object nothing refers to again: it only takes its memo index.</summary>
    internal void MemoizeAnonymous()
    {
        _memoNodes.Add(Anonymous);
        Write(0x94);
    }

    /// <summary>Opens a wrapper container's nesting level (bounded as the walk's).</summary>
    internal void EnterLevel() => Enter();

    internal void ExitLevel() => _depth--;

    private static readonly PickleNode Anonymous = PickleNode.None();

    private void Drain()
    {
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
                    if (w.Node!.Referenced && _memo.TryGetValue(w.Node!, out int seen))
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
                case Op.RecordEnd: EndRecording(); break;
            }
        }
    }

    private void EmitNode(PickleNode node)
    {
        // Only a node reachable twice can have been written before (see PickleNode.Referenced).
        if (node.Referenced && _memo.TryGetValue(node, out int index))
        {
            WriteGet(index);
            return;
        }
        // A value in several pickles is one the source referenced twice (or a template placed so); one met once is not
        // looked up, which keeps identity hashing off nearly every node.
        if (ReuseSharedSubtrees && node.Shared && node.Referenced && IsCompound(node) && ReplayOrRecord(node)) return;
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
        if (node.Referenced && _memo.TryGetValue(node, out int seen))
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

    /// <summary>Values whose walk queues work (so a RecordEnd below it runs once the value is complete).</summary>
    private static bool IsCompound(PickleNode node) => node.Kind switch
    {
        NodeKind.Tuple => node.Items.Count > 0,
        NodeKind.List or NodeKind.Set or NodeKind.FrozenSet or NodeKind.Dict or NodeKind.Reduce or NodeKind.NewObj or NodeKind.NewObjEx => true,
        _ => false,
    };

    /// <summary>
    /// Replays <paramref name="node"/>'s recorded bytes when they fit here (true: nothing left to do), or starts
    /// recording it on its second appearance (a value one pickle alone holds is not worth keeping).
    /// </summary>
    private bool ReplayOrRecord(PickleNode node)
    {
        if (!_subtrees.TryGetValue(node, out var entry))
        {
            _subtrees.Add(node, null);
            return false;
        }
        if (entry?.Bytes != null)
            return entry.MemoStart == _memoNodes.Count && _depth + entry.Depth <= _bounds.MaxDepth && Replay(entry);
        if (entry == null) _subtrees[node] = entry = new Subtree();
        else if (entry.Attempts >= 3) return false; // never self-contained where it was met: stop trying
        _recordings.Add(new Recording
        {
            Entry = entry, Start = _len, MemoStart = _memoNodes.Count, BufferStart = _buffers.Count,
            DepthStart = _depth, MaxDepth = _depth, MinGet = int.MaxValue,
        });
        _work.Add(new Work(Op.RecordEnd, node, 0));
        return false;
    }

    private void EndRecording()
    {
        var r = _recordings[^1];
        _recordings.RemoveAt(_recordings.Count - 1);
        if (_recordings.Count > 0)
        {
            // What the inner value read and how deep it went count for the value around it too.
            ref var outer = ref CollectionsMarshal.AsSpan(_recordings)[^1];
            outer.MinGet = Math.Min(outer.MinGet, r.MinGet);
            outer.MaxDepth = Math.Max(outer.MaxDepth, r.MaxDepth);
        }
        var e = r.Entry;
        if (r.MinGet < r.MemoStart)
        {
            e.Attempts++; // it refers to something written before it: its bytes depend on its surroundings
            return;
        }
        e.Bytes = _out.AsSpan(r.Start, _len - r.Start).ToArray();
        e.MemoStart = r.MemoStart;
        e.Memoized = CollectionsMarshal.AsSpan(_memoNodes)[r.MemoStart..].ToArray();
        e.Buffers = CollectionsMarshal.AsSpan(_buffers)[r.BufferStart..].ToArray();
        e.Depth = r.MaxDepth - r.DepthStart;
    }

    /// <summary>Writes a recorded value; false (and nothing written) when one of its nodes is memoized already.</summary>
    private bool Replay(Subtree e)
    {
        var nodes = e.Memoized;
        int start = _memoNodes.Count;
        for (int i = 0; i < nodes.Length; i++)
        {
            if (!nodes[i].Referenced || _memo.TryAdd(nodes[i], start + i)) continue;
            // Written before in this pickle: the walk would GET it where the recording wrote it out.
            for (int j = 0; j < i; j++) _memo.Remove(nodes[j]);
            return false;
        }
        _memoNodes.AddRange(nodes);
        _buffers.AddRange(e.Buffers);
        var bytes = e.Bytes!;
        bytes.CopyTo(Reserve(bytes.Length));
        // Its own GETs are not older than itself, so they cannot make a value around it depend on the surroundings.
        if (_recordings.Count > 0) NoteDepth(_depth + e.Depth);
        return true;
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
        if (_recordings.Count > 0) NoteDepth(_depth);
    }

    private void NoteDepth(int depth)
    {
        ref var r = ref CollectionsMarshal.AsSpan(_recordings)[^1];
        if (depth > r.MaxDepth) r.MaxDepth = depth;
    }

    private void Memoize(PickleNode node)
    {
        // The unpickler numbers MEMOIZEs in order: the index is how many were written before.
        if (node.Referenced) _memo[node] = _memoNodes.Count;
        _memoNodes.Add(node);
        Write(0x94);
    }

    private void WriteGet(int index)
    {
        if (_recordings.Count > 0)
        {
            ref var r = ref CollectionsMarshal.AsSpan(_recordings)[^1];
            if (index < r.MinGet) r.MinGet = index;
        }
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
