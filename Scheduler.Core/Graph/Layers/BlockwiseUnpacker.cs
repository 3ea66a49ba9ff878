using Scheduler.Core.Pickle;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.Graph.Layers;

/// <summary>
/// Expands a <c>Blockwise</c> (or <c>DataFrameIOLayer</c>) layer exactly as Dask's
/// <c>Blockwise.__dask_distributed_unpack__</c> / <c>make_blockwise_graph(deserializing=True)</c> do:
/// one task per output block, arguments are the input blocks' key strings (broadcast where an input has
/// a single block along a dimension), io-dep values, literals; contracted indices give nested key lists,
/// wrapped in <c>concatenate_axes</c> when <c>concatenate</c> is set.
/// </summary>
public static class BlockwiseUnpacker
{
    private static readonly PyGlobal ConcatenateAxes = new("dask.array.core", "concatenate_axes");

    public static List<string> Unpack(MsgMap state, UnpackedGraph graph)
    {
        var output = state["output"] as string ?? throw new UnsupportedLayerException("Blockwise without an output name");
        var outIndices = Symbols(state["output_indices"]);
        var func = state["func"];
        if (func is not (byte[] or Serialized)) throw new UnsupportedLayerException("Blockwise func is neither a pickle nor a Serialized object");
        var futureArgs = MsgValues.SetItems(state["func_future_args"]).Select(PyConvert.KeyOf).ToList();
        var globalDeps = MsgValues.SetItems(state["global_dependencies"]).Select(PyConvert.KeyOf).ToList();
        var flat = state["indices"] as IList<object?> ?? throw new UnsupportedLayerException("Blockwise without indices");
        var isList = state["is_list"] as IList<object?> ?? [];
        bool concatenate = state["concatenate"] is true;
        var numblocks = new Dictionary<string, long[]>();
        if (state["numblocks"] is MsgMap nb)
            foreach (var (k, v) in nb)
                numblocks[PyConvert.KeyOf(k)] = (v as IList<object?> ?? []).Select(x => PyConvert.Int(x, "numblocks")).ToArray();
        var dims = new Dictionary<string, long>();
        if (state["dims"] is MsgMap dm) foreach (var (k, v) in dm) dims[(string)k!] = PyConvert.Int(v, "dims");
        var ioDeps = new Dictionary<string, IoDep>();
        if (state["io_deps"] is MsgMap io)
            foreach (var (k, v) in io) ioDeps[PyConvert.KeyOf(k)] = IoDep.Unpack(v as MsgMap);

        // (arg, ind) pairs; lists recorded by is_list are restored (msgpack turned them into tuples).
        var pairs = new List<(object? Arg, string[]? Ind)>();
        for (int i = 0; i + 1 < flat.Count; i += 2)
        {
            bool argIsList = i < isList.Count && isList[i] is true;
            var ind = flat[i + 1] == null ? null : Symbols(flat[i + 1]);
            var arg = ind == null ? PyConvert.FromMsg(flat[i], argIsList) : flat[i];
            pairs.Add((arg, ind));
        }

        // _get_coord_mapping: output indices, then each contracted ("dummy") index twice (all blocks,
        // zeros for broadcasting), then a trailing 0.
        var outSet = outIndices.ToHashSet();
        var dummies = new List<string>();
        foreach (var (_, ind) in pairs)
            if (ind != null)
                foreach (var s in ind)
                    if (!outSet.Contains(s) && !dummies.Contains(s)) dummies.Add(s);
        var indexPos = new Dictionary<string, int>();
        var zeroPos = new Dictionary<string, int>();
        for (int i = 0; i < outIndices.Length; i++) { indexPos[outIndices[i]] = i; zeroPos[outIndices[i]] = -1; }
        var dummyValues = new List<object>();
        for (int i = 0; i < dummies.Count; i++)
        {
            var d = dummies[i];
            indexPos[d] = 2 * i + outIndices.Length;
            zeroPos[d] = 2 * i + 1 + outIndices.Length;
            long n = Dim(dims, d);
            dummyValues.Add(Enumerable.Range(0, (int)n).Select(x => (long)x).ToList());
            dummyValues.Add(Enumerable.Repeat(0L, concatenate ? 1 : (int)n).ToList());
        }
        dummyValues.Add(0L);
        var coordMaps = new List<int[]?>();
        var concatAxes = new List<long[]?>();
        foreach (var (arg, ind) in pairs)
        {
            if (ind == null) { coordMaps.Add(null); concatAxes.Add(null); continue; }
            var name = PyConvert.KeyOf(arg);
            var blocks = numblocks.TryGetValue(name, out var b) ? b : throw new UnsupportedLayerException($"Blockwise: no numblocks for {name}");
            coordMaps.Add(ind.Select((s, j) => j < blocks.Length && blocks[j] == 1 ? zeroPos[s] : indexPos[s]).ToArray());
            concatAxes.Add(ind.Select((s, j) => (s, j)).Where(x => !outSet.Contains(x.s)).Select(x => (long)x.j).ToArray());
        }

        var outputBlocks = state["output_blocks"] is IList<object?> ob
            ? ob.Select(c => (c as IList<object?> ?? []).Select(x => PyConvert.Int(x, "output_blocks")).ToArray()).ToList()
            : Product(outIndices.Select(s => Dim(dims, s)).ToArray());

        var keys = new List<string>(outputBlocks.Count);
        foreach (var outCoords in outputBlocks)
        {
            var coords = new List<object>(outCoords.Length + dummyValues.Count);
            coords.AddRange(outCoords.Select(c => (object)c));
            coords.AddRange(dummyValues);
            var deps = new HashSet<string>();
            var args = new List<object?>();
            for (int p = 0; p < pairs.Count; p++)
            {
                var (arg, ind) = pairs[p];
                if (ind == null)
                {
                    args.Add(PyConvert.StringifyKeys(arg));
                    continue;
                }
                var name = PyConvert.KeyOf(arg);
                var argCoords = coordMaps[p]!.Select(c => coords[c < 0 ? coords.Count + c : c]).ToArray();
                object tups;
                bool isIo = ioDeps.ContainsKey(name);
                if (concatAxes[p]!.Length > 0)
                {
                    tups = LolProduct([name], argCoords);
                    if (!isIo) foreach (var k in PyConvert.Strings(PyConvert.StringifyKeys(tups))) deps.Add(k);
                    if (concatenate) tups = new PyTuple(ConcatenateAxes, tups, new PyList(concatAxes[p]!.Select(a => (object?)a).ToArray()));
                }
                else
                {
                    tups = new PyTuple([name, .. argCoords.Select(c => (object?)(long)c)]);
                    if (!isIo) deps.Add(PyRepr.Repr(tups));
                }
                if (isIo)
                {
                    var idx = tups is PyTuple t ? t.Items.Skip(1).Select(x => (long)x!).ToArray() : [];
                    args.Add(ioDeps[name].Get(idx));
                }
                else
                {
                    args.Add(PyConvert.StringifyKeys(tups));
                }
            }
            var outKey = PyRepr.Key(output, outCoords.Select(c => (object?)c).ToArray());
            foreach (var f in futureArgs) { deps.Add(f); args.Add(f); }
            foreach (var dep in ioDeps.Values)
                if (dep.ProducesKeys && dep.Get(outCoords) is string keyDep) deps.Add(keyDep);
            foreach (var g in globalDeps) deps.Add(g);

            object? spec = func is byte[] pickledFunc
                ? new MsgMap().Add("function", pickledFunc).Add("args", SerializedBuilder.List(args))
                : SerializedBuilder.Tuple([func, .. args]);
            graph.Tasks[outKey] = spec;
            if (!graph.Dependencies.TryGetValue(outKey, out var set)) graph.Dependencies[outKey] = set = [];
            set.UnionWith(deps);
            keys.Add(outKey);
        }
        return keys;
    }

    private static string[] Symbols(object? v) => v switch
    {
        IList<object?> l => l.Select(x => x as string ?? throw new UnsupportedLayerException("Blockwise index symbols must be strings")).ToArray(),
        string s => s.Select(c => c.ToString()).ToArray(),
        null => [],
        _ => throw new UnsupportedLayerException("Blockwise index symbols must be strings"),
    };

    private static long Dim(Dictionary<string, long> dims, string symbol) =>
        dims.TryGetValue(symbol, out var n) ? n : throw new UnsupportedLayerException($"Blockwise: no dims for index {symbol}");

    private static List<long[]> Product(long[] sizes)
    {
        var result = new List<long[]> { Array.Empty<long>() };
        foreach (var n in sizes)
        {
            var next = new List<long[]>(result.Count * (int)Math.Max(n, 1));
            foreach (var prefix in result)
                for (long i = 0; i < n; i++) next.Add([.. prefix, i]);
            result = next;
        }
        return result;
    }

    /// <summary>dask.blockwise.lol_product: list-valued coordinates expand into nested lists of key tuples.</summary>
    private static object LolProduct(object?[] head, object[] values)
    {
        if (values.Length == 0) return new PyTuple(head);
        if (values[0] is List<long> choices)
            return new PyList(choices.Select(x => (object?)LolProduct([.. head, x], values[1..])).ToArray());
        return LolProduct([.. head, (long)values[0]], values[1..]);
    }
}
