using Scheduler.Core.Graph.Dask2024;
using Scheduler.Core.Pickle.Symbolic;
using Scheduler.Core.Protocol;

namespace Scheduler.Tests.Graph.Dask2024;

/// <summary>
/// The shortcuts the graph reader takes for speed write exactly what the general path writes: the Pickled
/// sub-header (against the msgpack encoder), the legacy wrapper (against emitting its nodes) and replayed
/// shared values (against a fresh emitter per pickle).
/// </summary>
public class FastPathTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(5, 1)]
    [InlineData(255, 127)]
    [InlineData(256, 128)]
    [InlineData(65535, 255)]
    [InlineData(65536, 256)]
    [InlineData(70_000, 65535)]
    [InlineData(10, 65536)]
    public void The_pickled_sub_header_is_what_the_msgpack_encoder_writes(int pickleLength, int bufferCount)
    {
        var pickle = new byte[pickleLength];
        new Random(pickleLength).NextBytes(pickle);
        var buffers = new byte[bufferCount][];
        Array.Fill(buffers, []);
        var expected = MsgEncoder.EncodePlain(new MsgMap(2).Add("pickled-obj", pickle).Add("num-sub-frames", (long)bufferCount));
        var p = Pickled.FromPickle(pickle, buffers);
        Assert.Equal(expected, p.HeaderBytes);
        Assert.Equal(pickle, p.Pickle);
        Assert.Equal((long)bufferCount, p.Header["num-sub-frames"]);
    }

    public static IEnumerable<object[]> LegacyValues()
    {
        var f = PickleNode.Global("builtins", "sum");
        var k1 = PickleNode.Str("a-1");
        var k2 = PickleNode.Tuple(PickleNode.Str("b"), PickleNode.Int(0));
        yield return ["a task with two references", PickleNode.Str("t"), PickleNode.Tuple(f, PickleNode.List(k1, k2)), new[] { k1, k2 }];
        yield return ["data, no references", PickleNode.Tuple(PickleNode.Str("x"), PickleNode.Int(3)), PickleNode.Int(7), Array.Empty<PickleNode>()];
        var key = PickleNode.Str("self-ref");
        yield return ["the key inside its value", key, PickleNode.Tuple(f, key, k1), new[] { k1 }];
        var l = PickleNode.List();
        var cyclic = PickleNode.Tuple(f, l);
        l.MutableItems.Add(cyclic);
        yield return ["a value reaching itself", PickleNode.Str("c"), cyclic, Array.Empty<PickleNode>()];
    }

    [Theory]
    [MemberData(nameof(LegacyValues))]
    public void The_legacy_wrapper_is_written_as_emitting_its_nodes_writes_it(string what, PickleNode key, PickleNode value, PickleNode[] deps)
    {
        var expected = SymbolicEmitter.EmitOnce(DeferredRunSpecs.Legacy(key, value, deps)).Pickle;
        var emitter = new SymbolicEmitter();
        DeferredRunSpecs.EmitLegacy(emitter, key, value, deps);
        Assert.True(expected.AsSpan().SequenceEqual(emitter.Output), what);
    }

    [Theory]
    [MemberData(nameof(Dask2024Captures.GraphCases), MemberType = typeof(Dask2024Captures))]
    public void Captured_legacy_tasks_are_written_as_emitting_their_nodes_writes_them(string name)
    {
        var root = SymbolicReader.Read(Dask2024Captures.Graph(name).Pickle);
        var reuse = new SymbolicEmitter { ReuseSharedSubtrees = true };
        foreach (var layer in Graph2024Reader.Layers(root))
        {
            if (layer.ClassName != HlgLayer.Materialized || !ObjectState.TryGet(layer.Node, "mapping", out var mapping)) continue;
            // twice over, so the second pass replays what the first recorded
            for (int pass = 0; pass < 2; pass++)
            {
                foreach (var (k, v) in mapping.Pairs)
                {
                    var deps = mapping.Pairs.Select(p => p.Key).Where(o => o != k).Take(3).ToArray();
                    var expected = SymbolicEmitter.EmitOnce(DeferredRunSpecs.Legacy(k, v, deps)).Pickle;
                    DeferredRunSpecs.EmitLegacy(reuse, k, v, deps);
                    Assert.True(expected.AsSpan().SequenceEqual(reuse.Output), $"{name}: {k}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Dask2024Captures.GraphCases), MemberType = typeof(Dask2024Captures))]
    public void Replaying_shared_values_writes_what_a_fresh_emitter_writes(string name)
    {
        var root = SymbolicReader.Read(Dask2024Captures.Graph(name).Pickle);
        var compound = Compound(root, 3000);
        var reuse = new SymbolicEmitter { ReuseSharedSubtrees = true };
        // forwards, backwards, forwards: values are met at different memo positions and after their parts
        foreach (var order in new[] { compound, Enumerable.Reverse(compound).ToList(), compound })
        {
            foreach (var node in order)
            {
                var expected = SymbolicEmitter.EmitOnce(node);
                var got = reuse.Emit(node);
                Assert.Equal(expected.Pickle, got.Pickle);
                Assert.Equal(expected.BufferIndices, got.BufferIndices);
            }
        }
    }

    [Fact]
    public void A_shared_value_is_replayed_only_where_its_bytes_fit()
    {
        // f is shared by every pickle; g holds f's own part s, so where s was written before f, f must GET it
        var s = Shared(PickleNode.Str("part"));
        var f = Shared(PickleNode.Call(Shared(PickleNode.Global("m", "make")), Shared(PickleNode.Tuple(s, Shared(PickleNode.List(s))))));
        var other = Shared(PickleNode.Tuple(s, f));
        var reuse = new SymbolicEmitter { ReuseSharedSubtrees = true };
        PickleNode[] roots =
        [
            PickleNode.Tuple(f, PickleNode.Int(1)), PickleNode.Tuple(f, PickleNode.Int(2)), PickleNode.Tuple(f, PickleNode.Int(3)),
            PickleNode.Tuple(PickleNode.Str("x"), f), other, PickleNode.Tuple(f, f), PickleNode.Tuple(f, PickleNode.Int(4)),
        ];
        foreach (var r in roots) Assert.Equal(SymbolicEmitter.EmitOnce(r).Pickle, reuse.Emit(r).Pickle);
    }

    /// <summary>Marks a built node as the reader marks a memoized one.</summary>
    private static PickleNode Shared(PickleNode n)
    {
        n.Shared = true;
        return n;
    }

    private static List<PickleNode> Compound(PickleNode root, int max)
    {
        var result = new List<PickleNode>();
        var seen = new HashSet<PickleNode>(ReferenceEqualityComparer.Instance);
        var work = new Stack<PickleNode>();
        work.Push(root);
        while (work.Count > 0 && result.Count < max)
        {
            var n = work.Pop();
            if (!seen.Add(n)) continue;
            if (n.Kind is NodeKind.Tuple or NodeKind.List or NodeKind.Set or NodeKind.FrozenSet or NodeKind.Dict || n.IsCall) result.Add(n);
            foreach (var c in n.Items) work.Push(c);
            foreach (var (k, v) in n.Pairs) { work.Push(k); work.Push(v); }
            if (n.Callable != null) work.Push(n.Callable);
            if (n.Args != null) work.Push(n.Args);
            foreach (var st in n.States) work.Push(st);
        }
        return result;
    }

    [Theory]
    [MemberData(nameof(Dask2024Captures.GraphCases), MemberType = typeof(Dask2024Captures))]
    public void A_graph_built_in_parallel_ranges_is_the_graph_built_in_one_pass(string name)
    {
        var g = Dask2024Captures.Graph(name);
        var root = SymbolicReader.Read(g.Pickle, PickleBounds.Default);
        var one = Graph2024Reader.Read(root, g.Buffers, PickleBounds.Default, skipUnsupported: true, parts: 1).Graph;
        foreach (int parts in new[] { 2, 3, 7 })
        {
            var many = Graph2024Reader.Read(root, g.Buffers, PickleBounds.Default, skipUnsupported: true, parts).Graph;
            Assert.Equal(one.Tasks.Keys, many.Tasks.Keys); // same keys in the same order
            foreach (var (key, spec) in one.Tasks)
            {
                var a = Assert.IsType<Pickled>(spec);
                var b = Assert.IsType<Pickled>(many.Tasks[key]);
                Assert.Equal(a.HeaderBytes, b.HeaderBytes);
                Assert.Equal(a.Frames.Length, b.Frames.Length);
                for (int i = 0; i < a.Frames.Length; i++) Assert.Same(a.Frames[i], b.Frames[i]);
                Assert.True(one.Dependencies[key].SetEquals(many.Dependencies[key]), key);
            }
            Assert.Equal(one.Annotations.Keys, many.Annotations.Keys);
        }
    }
}
