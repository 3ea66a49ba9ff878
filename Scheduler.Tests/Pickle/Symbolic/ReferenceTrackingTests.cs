using Scheduler.Core.Pickle.Symbolic;

namespace Scheduler.Tests.Pickle.Symbolic;

/// <summary>
/// Walks and the emitter track the identity of a node only when it can be reached twice: the reader marks what a
/// memo GET or DUP reaches again, and what is memoized but never fetched is reached once.
/// </summary>
public class ReferenceTrackingTests
{
    // ("x", ["x"], [1]): the str is memoized and fetched again; both lists are memoized (MEMOIZE) and never fetched.
    private static readonly byte[] SharedStr =
    [
        0x80, 5, 0x8c, 1, (byte)'x', 0x94,   // "x", memo 0
        (byte)']', 0x94, (byte)'h', 0, (byte)'a', // ["x"] (a GET of memo 0), memo 1
        (byte)']', 0x94, (byte)'K', 1, (byte)'a', // [1], memo 2
        0x87, 0x94, (byte)'.',
    ];

    [Fact]
    public void The_reader_marks_only_what_a_memo_get_reaches_again()
    {
        var root = SymbolicReader.Read(SharedStr);
        var str = root.Items[0];
        Assert.Same(str, root.Items[1].Items[0]);
        Assert.True(str.Referenced);
        Assert.False(root.Items[1].Referenced);
        Assert.False(root.Items[2].Referenced);
        Assert.False(root.Referenced);
    }

    [Fact]
    public void A_dup_is_a_second_reference()
    {
        // [] DUP APPEND: a list that holds itself
        var root = SymbolicReader.Read([0x80, 5, (byte)']', (byte)'2', (byte)'a', (byte)'.']);
        Assert.True(root.Referenced);
        Assert.Same(root, root.Items[0]);
    }

    [Fact]
    public void What_was_read_is_emitted_with_its_sharing_and_canonically()
    {
        var emitted = SymbolicEmitter.EmitOnce(SymbolicReader.Read(SharedStr)).Pickle;
        var again = SymbolicReader.Read(emitted);
        Assert.Same(again.Items[0], again.Items[1].Items[0]);
        Assert.Equal(emitted, SymbolicEmitter.EmitOnce(again).Pickle);
    }

    [Fact]
    public void A_node_made_outside_a_reader_and_placed_twice_is_a_memo_get()
    {
        var s = PickleNode.Str("k");
        var twice = SymbolicReader.Read(SymbolicEmitter.EmitOnce(PickleNode.Tuple(s, s)).Pickle);
        Assert.Same(twice.Items[0], twice.Items[1]);
    }

    [Fact]
    public void A_read_node_a_template_places_twice_stays_one_object()
    {
        // A legacy run spec names its key twice (the converted dict's key, then getitem's): one str, fetched again.
        var key = SymbolicReader.Read([0x80, 5, 0x8c, 1, (byte)'k', 0x94, (byte)'.']);
        Assert.False(key.Referenced);
        var spec = Scheduler.Core.Graph.Dask2024.DeferredRunSpecs.Legacy(key, PickleNode.Int(1), []);
        var read = SymbolicReader.Read(SymbolicEmitter.EmitOnce(spec).Pickle);
        var converted = read.Args!.Items[0];
        var dictKey = converted.Args!.Items[0].Pairs[0].Key;
        Assert.Same(dictKey, read.Args.Items[1]);
    }
}
