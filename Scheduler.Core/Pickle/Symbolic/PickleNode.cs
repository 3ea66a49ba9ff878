using System.Numerics;

namespace Scheduler.Core.Pickle.Symbolic;

/// <summary>
/// One value of an inert pickle graph. Node identity is object identity: every memo reference (GET) to a value
/// is the same node, so a value shared by several places, or reachable from itself, stays shared when the graph
/// is emitted again. One class for every kind keeps the graph compact (a big task graph has millions of nodes)
/// and lets walks dispatch on <see cref="Kind"/> without virtual calls.
/// </summary>
public sealed class PickleNode
{
    private static readonly List<PickleNode> NoNodes = [];
    private static readonly List<KeyValuePair<PickleNode, PickleNode>> NoPairs = [];
    // Boxed once: a graph holds many small ints (BININT1), each would box its own long.
    private static readonly object[] SmallInts = Enumerable.Range(0, 256).Select(i => (object)(long)i).ToArray();

    // List<PickleNode> (tuple, list, set, frozenset), List<pairs> (dict), or a global's name: one slot, since a node
    // is one kind (a big graph has millions of nodes, and each slot costs 8 bytes on every one of them).
    private object? _children;
    private NodeExtras? _extras;

    private PickleNode(NodeKind kind) => Kind = kind;

    public NodeKind Kind { get; }

    /// <summary>
    /// None: null. Bool: bool. Int: long or BigInteger. Float: double. Str: string (or byte[] of raw UTF-8 with
    /// lone surrogates). Bytes, ByteArray: byte[]. Global: the module name.
    /// </summary>
    public object? Value { get; private init; }

    /// <summary>A global's name within its module.</summary>
    public string? Name => Kind == NodeKind.Global ? (string?)_children : null;

    /// <summary>The callable (Reduce) or class (NewObj, NewObjEx).</summary>
    public PickleNode? Callable { get; private init; }

    /// <summary>The positional-argument node of a call (normally a tuple).</summary>
    public PickleNode? Args { get; private init; }

    /// <summary>The keyword-argument node of a NewObjEx (kept with the rare parts: few pickles have one).</summary>
    public PickleNode? Kwargs => _extras?.Kwargs;

    /// <summary>A buffer's index among the pickle's out-of-band buffers.</summary>
    public int BufferIndex { get; private init; }

    public BufferFlag BufferFlag { get; internal set; }

    /// <summary>Set by the reader when the pickle stored this node in its memo (or DUPed it).</summary>
    internal bool Shared { get; set; }

    /// <summary>
    /// Whether this node can be reached more than once: the reader clears it for the nodes it makes and sets it
    /// again on a memo GET or DUP; a node made elsewhere keeps it. A node without it occurs once in its graph, so
    /// walks and the emitter need not track its identity (hashing every node's identity cost a fifth of reading a
    /// 2024.12 graph). Code that places one node twice in a template sets it.
    /// </summary>
    internal bool Referenced { get; set; } = true;

    /// <summary>Tuple, list, set or frozenset contents, in order.</summary>
    public IReadOnlyList<PickleNode> Items => _children as List<PickleNode> ?? NoNodes;

    /// <summary>Dict contents in insertion order (repeated keys kept: the last one wins, as in Python).</summary>
    public IReadOnlyList<KeyValuePair<PickleNode, PickleNode>> Pairs => _children as List<KeyValuePair<PickleNode, PickleNode>> ?? NoPairs;

    /// <summary>BUILD arguments applied to this call-built object, in order.</summary>
    public IReadOnlyList<PickleNode> States => _extras?.States ?? NoNodes;

    /// <summary>APPEND(S) applied to a call-built object (a list subclass).</summary>
    public IReadOnlyList<PickleNode> Appended => _extras?.Appended ?? NoNodes;

    /// <summary>SETITEM(S) applied to a call-built object (a dict subclass).</summary>
    public IReadOnlyList<KeyValuePair<PickleNode, PickleNode>> SetItems => _extras?.SetItems ?? NoPairs;

    /// <summary>ADDITEMS applied to a call-built object (a set subclass).</summary>
    public IReadOnlyList<PickleNode> Added => _extras?.Added ?? NoNodes;

    /// <summary>
    /// Calls whose result the pickle discards (REDUCE then POP) and whose first argument is this node, in order:
    /// cloudpickle's <c>_function_setstate(f, state)</c> and <c>_class_setstate(cls, state)</c>. Each is a Reduce
    /// node; the emitter writes it right after this node is complete.
    /// </summary>
    public IReadOnlyList<PickleNode> SideEffects => _extras?.SideEffects ?? NoNodes;

    internal bool HasExtras => _extras is { HasMutations: true };

    // An empty list, set or dict gets its list when the first item comes (most of a graph's stay empty).
    internal List<PickleNode> MutableItems => (List<PickleNode>)(_children ??= new List<PickleNode>());

    /// <summary>Items to add to, with room for <paramref name="more"/> (a pickle fills most containers in one go).</summary>
    internal List<PickleNode> ItemsFor(int more)
    {
        var items = (List<PickleNode>)(_children ??= new List<PickleNode>(more));
        items.EnsureCapacity(items.Count + more);
        return items;
    }

    internal List<KeyValuePair<PickleNode, PickleNode>> PairsFor(int more)
    {
        var pairs = (List<KeyValuePair<PickleNode, PickleNode>>)(_children ??= new List<KeyValuePair<PickleNode, PickleNode>>(more));
        pairs.EnsureCapacity(pairs.Count + more);
        return pairs;
    }
    internal List<KeyValuePair<PickleNode, PickleNode>> MutablePairs =>
        (List<KeyValuePair<PickleNode, PickleNode>>)(_children ??= new List<KeyValuePair<PickleNode, PickleNode>>());
    private NodeExtras Extras => _extras ??= new NodeExtras();

    public bool IsScalar => Kind is NodeKind.None or NodeKind.Bool or NodeKind.Int or NodeKind.Float;
    public bool IsCall => Kind is NodeKind.Reduce or NodeKind.NewObj or NodeKind.NewObjEx;

    /// <summary>The str value, or null when this is not a str (or a str C# cannot hold).</summary>
    public string? AsString => Kind == NodeKind.Str ? Value as string : null;

    /// <summary>True for the global <paramref name="module"/>.<paramref name="name"/>.</summary>
    public bool IsGlobal(string module, string name) =>
        Kind == NodeKind.Global && Name == name && (string?)Value == module;

    /// <summary>"module.name" of the callable of a call node whose callable is a global, else null.</summary>
    public string? CallableName => IsCall && Callable!.Kind == NodeKind.Global ? Callable.Value + "." + Callable.Name : null;

    // ---- construction: also the way to build new call nodes for deferred construction ----

    public static PickleNode None() => new(NodeKind.None);
    public static PickleNode Bool(bool value) => new(NodeKind.Bool) { Value = value };
    public static PickleNode Int(long value) =>
        new(NodeKind.Int) { Value = value is >= 0 and < 256 ? SmallInts[value] : value };
    public static PickleNode Int(BigInteger value) =>
        value >= long.MinValue && value <= long.MaxValue ? Int((long)value) : new(NodeKind.Int) { Value = value };
    public static PickleNode Float(double value) => new(NodeKind.Float) { Value = value };
    public static PickleNode Str(string value) => new(NodeKind.Str) { Value = value };
    internal static PickleNode RawStr(byte[] utf8) => new(NodeKind.Str) { Value = utf8 };
    public static PickleNode Bytes(byte[] value) => new(NodeKind.Bytes) { Value = value };
    public static PickleNode ByteArray(byte[] value) => new(NodeKind.ByteArray) { Value = value };
    public static PickleNode Global(string module, string name) => new(NodeKind.Global) { Value = module, _children = name };
    public static PickleNode Buffer(int index, BufferFlag flag = BufferFlag.Unspecified) =>
        new(NodeKind.Buffer) { BufferIndex = index, BufferFlag = flag };

    public static PickleNode Tuple(params PickleNode[] items) => Sequence(NodeKind.Tuple, new List<PickleNode>(items));
    public static PickleNode List(params PickleNode[] items) => Sequence(NodeKind.List, new List<PickleNode>(items));
    public static PickleNode Set(params PickleNode[] items) => Sequence(NodeKind.Set, new List<PickleNode>(items));
    public static PickleNode FrozenSet(params PickleNode[] items) => Sequence(NodeKind.FrozenSet, new List<PickleNode>(items));

    /// <summary>A dict entry, for <see cref="Dict"/>.</summary>
    public static KeyValuePair<PickleNode, PickleNode> Entry(PickleNode key, PickleNode value) => new(key, value);

    public static PickleNode Dict(params KeyValuePair<PickleNode, PickleNode>[] pairs) =>
        new(NodeKind.Dict) { _children = new List<KeyValuePair<PickleNode, PickleNode>>(pairs) };

    /// <summary>A sequence node that takes ownership of <paramref name="items"/> (null: empty for now).</summary>
    internal static PickleNode Sequence(NodeKind kind, List<PickleNode>? items) => new(kind) { _children = items };

    /// <summary>(): a tuple never changes, so an empty one needs no list.</summary>
    internal static PickleNode EmptyTuple() => new(NodeKind.Tuple);

    internal static PickleNode DictOf(List<KeyValuePair<PickleNode, PickleNode>>? pairs) => new(NodeKind.Dict) { _children = pairs };

    /// <summary><c>callable(*args)</c>; <paramref name="args"/> is normally a tuple node.</summary>
    public static PickleNode Reduce(PickleNode callable, PickleNode args) => new(NodeKind.Reduce) { Callable = callable, Args = args };

    /// <summary><c>callable(*args)</c> with a fresh argument tuple.</summary>
    public static PickleNode Call(PickleNode callable, params PickleNode[] args) => Reduce(callable, Tuple(args));

    public static PickleNode NewObj(PickleNode cls, PickleNode args) => new(NodeKind.NewObj) { Callable = cls, Args = args };

    public static PickleNode NewObjEx(PickleNode cls, PickleNode args, PickleNode kwargs) =>
        new(NodeKind.NewObjEx) { Callable = cls, Args = args, _extras = new NodeExtras { Kwargs = kwargs } };

    /// <summary>Records a BUILD of <paramref name="state"/> on this call-built object.</summary>
    public PickleNode AddState(PickleNode state)
    {
        (Extras.States ??= new List<PickleNode>(1)).Add(state); // nearly every object gets one BUILD
        return this;
    }

    internal void AddAppended(ReadOnlySpan<PickleNode> items) => (Extras.Appended ??= []).AddRange(items);
    internal void AddAdded(ReadOnlySpan<PickleNode> items) => (Extras.Added ??= []).AddRange(items);
    internal void AddSetItem(PickleNode key, PickleNode value) => (Extras.SetItems ??= []).Add(new(key, value));
    internal void AddSideEffect(PickleNode call) => (Extras.SideEffects ??= []).Add(call);

    public override string ToString() => Kind switch
    {
        NodeKind.None => "None",
        NodeKind.Global => $"{Value}.{Name}",
        NodeKind.Buffer => $"buffer({BufferIndex})",
        NodeKind.Str => Value is string s ? PyRepr.Repr(s) : "str(raw)",
        NodeKind.Bool or NodeKind.Int or NodeKind.Float => Convert.ToString(Value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
        NodeKind.Tuple or NodeKind.List or NodeKind.Set or NodeKind.FrozenSet or NodeKind.Dict => $"{Kind}[{(Kind == NodeKind.Dict ? Pairs.Count : Items.Count)}]",
        _ when IsCall => $"{Kind}({Callable})",
        _ => Kind.ToString(),
    };

    /// <summary>What rarely exists: post-construction mutations. Kept out of line so plain nodes stay small.</summary>
    private sealed class NodeExtras
    {
        public List<PickleNode>? States;
        public List<PickleNode>? Appended;
        public List<KeyValuePair<PickleNode, PickleNode>>? SetItems;
        public List<PickleNode>? Added;
        public List<PickleNode>? SideEffects;
        public PickleNode? Kwargs;

        public bool HasMutations => States != null || Appended != null || SetItems != null || Added != null || SideEffects != null;
    }
}
