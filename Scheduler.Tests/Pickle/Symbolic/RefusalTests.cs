using Scheduler.Core.Pickle.Symbolic;

namespace Scheduler.Tests.Pickle.Symbolic;

/// <summary>Literal pickles the symbolic reader must refuse with a message naming what and where.</summary>
public class RefusalTests
{
    private static PickleRefusedException Refused(byte[] pickle, PickleBounds? bounds = null) =>
        Assert.Throws<PickleRefusedException>(() => SymbolicReader.Read(pickle, bounds));

    [Theory]
    [InlineData(new byte[] { 0x80, 5, (byte)'P', (byte)'1', (byte)'\n', (byte)'.' }, "PERSID", 2)]
    [InlineData(new byte[] { 0x80, 5, (byte)'K', 1, (byte)'Q', (byte)'.' }, "BINPERSID", 4)]
    [InlineData(new byte[] { 0x80, 5, 0x82, 1, (byte)'.' }, "EXT1", 2)]
    [InlineData(new byte[] { 0x80, 5, 0x83, 1, 0, (byte)'.' }, "EXT2", 2)]
    [InlineData(new byte[] { 0x80, 5, 0x84, 1, 0, 0, 0, (byte)'.' }, "EXT4", 2)]
    [InlineData(new byte[] { 0x80, 5, 0xff, (byte)'.' }, "unknown pickle opcode 0xff", 2)]
    [InlineData(new byte[] { 0x80, 6, (byte)'N', (byte)'.' }, "unsupported pickle protocol 6", 0)]
    [InlineData(new byte[] { 0x80, 5, 0x8c, 5, (byte)'a', (byte)'b' }, "truncated", 2)]
    [InlineData(new byte[] { 0x80, 5, (byte)'K', 1 }, "no STOP", 4)]
    [InlineData(new byte[] { 0x80, 5, (byte)'R', (byte)'.' }, "stack underflow", 2)]
    [InlineData(new byte[] { 0x80, 5, (byte)'0', (byte)'.' }, "stack underflow", 2)]
    [InlineData(new byte[] { 0x80, 5, (byte)'e', (byte)'.' }, "stack underflow", 2)]
    [InlineData(new byte[] { 0x80, 5, (byte)'h', 3, (byte)'.' }, "memo entry 3", 2)]
    [InlineData(new byte[] { 0x80, 5, (byte)'N', (byte)'b', (byte)'.' }, "stack underflow", 3)]
    [InlineData(new byte[] { 0x80, 5, (byte)'N', (byte)'N', (byte)'b', (byte)'.' }, "BUILD on a None", 4)]
    [InlineData(new byte[] { 0x80, 5, (byte)'N', 0x98, (byte)'.' }, "READONLY_BUFFER", 3)]
    public void Refuses_with_the_opcode_and_offset(byte[] pickle, string what, int offset)
    {
        var e = Refused(pickle);
        Assert.Contains(what, e.Message);
        Assert.Equal(offset, e.Offset);
        Assert.Contains($"at byte {offset}", e.Message);
    }

    [Fact]
    public void Refuses_a_pickle_over_MaxBytes()
    {
        var e = Refused([0x80, 5, (byte)'N', (byte)'.'], new PickleBounds(MaxBytes: 3));
        Assert.Contains("over the limit of 3", e.Message);
    }

    [Fact]
    public void Refuses_more_nodes_than_MaxNodes()
    {
        var e = Refused([0x80, 5, (byte)'(', (byte)'K', 1, (byte)'K', 2, (byte)'K', 3, (byte)'l', (byte)'.'], new PickleBounds(MaxNodes: 2));
        Assert.Contains("limit of 2 nodes", e.Message);
        Assert.Equal(7, e.Offset);
    }

    [Fact]
    public void Refuses_marks_nested_deeper_than_MaxDepth()
    {
        var p = new byte[] { 0x80, 5 }.Concat(Enumerable.Repeat((byte)'(', 11)).Append((byte)'.').ToArray();
        var e = Refused(p, new PickleBounds(MaxDepth: 10));
        Assert.Contains("nesting deeper than the limit of 10", e.Message);
        Assert.Equal(12, e.Offset);
    }

    /// <summary>l0 = []; l1 = [l0]; ... built with memo GETs: flat to read, 200,000 deep to walk.</summary>
    private static byte[] DeepChain(int depth)
    {
        var p = new List<byte> { 0x80, 5, (byte)']', 0x94 };
        for (int i = 1; i < depth; i++)
        {
            p.Add((byte)']');
            p.Add(0x94);
            p.Add((byte)'j');
            p.AddRange(BitConverter.GetBytes((uint)(i - 1)));
            p.Add((byte)'a');
            p.Add((byte)'0'); // drop it from the stack; the memo holds it
        }
        p.Add((byte)'j');
        p.AddRange(BitConverter.GetBytes((uint)(depth - 1)));
        p.Add((byte)'.');
        return [.. p];
    }

    [Fact]
    public void A_deep_graph_is_refused_by_the_emitter_and_conversions_not_overflowing_the_stack()
    {
        var root = SymbolicReader.Read(DeepChain(200_000));
        var e = Assert.Throws<PickleRefusedException>(() => SymbolicEmitter.EmitOnce(root));
        Assert.Contains("deeper than the limit of 10000", e.Message);
        var p = Assert.Throws<PickleRefusedException>(() => Scheduler.Core.Graph.Dask2024.PlainValues.FromNode(root));
        Assert.Contains("nested deeper", p.Message);
        // within the bound it is emitted, iteratively
        var ok = SymbolicReader.Read(DeepChain(5_000));
        Assert.Null(NodeGraphComparer.Difference(ok, SymbolicReader.Read(SymbolicEmitter.EmitOnce(ok).Pickle)));
    }

    [Fact]
    public void The_emitter_refuses_output_over_MaxBytes()
    {
        var e = Assert.Throws<PickleRefusedException>(() => SymbolicEmitter.EmitOnce(PickleNode.Bytes(new byte[1000]), new PickleBounds(MaxBytes: 500)));
        Assert.Contains("limit of 500 bytes", e.Message);
    }
}
