using Scheduler.Core.Pickle.Symbolic;
using Scheduler.Tests.Graph.Dask2024;

namespace Scheduler.Tests.Pickle.Symbolic;

/// <summary>read -> emit -> read gives the same node graph (sharing and cycles included) for every captured pickle.</summary>
public class RoundTripTests
{
    public static IEnumerable<object[]> Pickles() => Dask2024Captures.AllPickles().Select(p => new object[] { p.Name });

    private static byte[] Load(string name) =>
        Dask2024Captures.AllPickles().First(p => p.Name == name).Pickle;

    [Theory]
    [MemberData(nameof(Pickles))]
    public void Captured_pickle_survives_read_emit_read(string name)
    {
        var first = SymbolicReader.Read(Load(name), PickleBounds.Default, out int buffers);
        var emitted = SymbolicEmitter.EmitOnce(first);
        var second = SymbolicReader.Read(emitted.Pickle, PickleBounds.Default, out int buffers2);

        Assert.Equal(buffers, buffers2);
        Assert.Equal(Enumerable.Range(0, buffers), emitted.BufferIndices);
        Assert.Null(NodeGraphComparer.Difference(first, second, emitted.BufferIndices));
        // emitting is canonical: the re-read graph emits the same bytes
        Assert.Equal(emitted.Pickle, SymbolicEmitter.EmitOnce(second).Pickle);
    }

    [Fact]
    public void Cycles_and_shared_nodes_keep_their_identity()
    {
        // l = []; t = (l, l); d = {"a": l, "b": t}: one list reached three ways
        var l = PickleNode.List();
        var t = PickleNode.Tuple(l, l);
        var root = PickleNode.Dict(new(PickleNode.Str("a"), l), new(PickleNode.Str("b"), t));
        var read = SymbolicReader.Read(SymbolicEmitter.EmitOnce(root).Pickle);

        var rl = read.Pairs[0].Value;
        var rt = read.Pairs[1].Value;
        Assert.Same(rl, rt.Items[0]);
        Assert.Same(rl, rt.Items[1]);
        Assert.Empty(rl.Items);
        Assert.Null(NodeGraphComparer.Difference(root, read));
    }

    [Fact]
    public void A_tuple_completed_through_its_own_contents_is_fetched_from_the_memo()
    {
        // l = []; t = (l, 1, 2, 3); l.append(t): the emitter meets t again while writing t's own items
        var built = SymbolicReader.Read([0x80, 5, (byte)']', 0x94, (byte)'(', (byte)'h', 0, (byte)'K', 1, (byte)'K', 2, (byte)'K', 3, (byte)'t', 0x94, (byte)'a', (byte)'.']);
        Assert.Same(built, built.Items[0].Items[0]);
        var again = SymbolicReader.Read(SymbolicEmitter.EmitOnce(built).Pickle);
        Assert.Null(NodeGraphComparer.Difference(built, again));
        Assert.Same(again, again.Items[0].Items[0]);
    }

    [Fact]
    public void Side_effect_calls_are_attached_to_their_first_argument_and_replayed()
    {
        // f = make(); setstate(f, {}) ; POP ; (f,)
        byte[] p = [0x80, 5, (byte)'c', .. "m\nmake\n"u8, (byte)')', (byte)'R', 0x94,
            (byte)'c', .. "m\nsetstate\n"u8, (byte)'h', 0, (byte)'}', 0x86, (byte)'R', (byte)'0', (byte)'h', 0, 0x85, (byte)'.'];
        var root = SymbolicReader.Read(p);
        var f = root.Items[0];
        var effect = Assert.Single(f.SideEffects);
        Assert.Equal("m.setstate", effect.CallableName);
        var again = SymbolicReader.Read(SymbolicEmitter.EmitOnce(root).Pickle);
        Assert.Null(NodeGraphComparer.Difference(root, again));
    }

    [Fact]
    public void Buffers_are_renumbered_in_emission_order_with_their_flags()
    {
        var b5 = PickleNode.Buffer(5, BufferFlag.ReadOnly);
        var b2 = PickleNode.Buffer(2);
        var emitted = SymbolicEmitter.EmitOnce(PickleNode.Tuple(b5, b2, b5));
        Assert.Equal([5, 2], emitted.BufferIndices);
        var read = SymbolicReader.Read(emitted.Pickle);
        Assert.Equal(0, read.Items[0].BufferIndex);
        Assert.Equal(BufferFlag.ReadOnly, read.Items[0].BufferFlag);
        Assert.Equal(1, read.Items[1].BufferIndex);
        Assert.Same(read.Items[0], read.Items[2]);
    }

    [Fact]
    public void Big_ints_and_floats_round_trip()
    {
        var big = System.Numerics.BigInteger.Pow(2, 200) + 7;
        var root = PickleNode.Tuple(PickleNode.Int(big), PickleNode.Int(-big), PickleNode.Int(long.MinValue), PickleNode.Int(70000),
            PickleNode.Int(-1), PickleNode.Float(double.NaN), PickleNode.Str(new string('x', 300) + "\U0001F600"), PickleNode.Bytes(new byte[300]));
        var read = SymbolicReader.Read(SymbolicEmitter.EmitOnce(root).Pickle);
        Assert.Null(NodeGraphComparer.Difference(root, read));
    }
}
