using Scheduler.Core.Pickle;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.Graph.Layers;

/// <summary>
/// The dataframe layers Dask's scheduler materialises itself: DataFrameTreeReduction, SimpleShuffleLayer,
/// ShuffleLayer and BroadcastJoinLayer (dask/layers.py, _construct_graph with deserializing=True).
/// </summary>
public static class DataFrameLayers
{
    private static readonly PyGlobal Pipe = new("toolz.functoolz", "pipe");
    private static readonly PyGlobal GetItem = new("_operator", "getitem");
    private static PyObject Lazy(string path) => Pickler.LazyImport(path);
    private static PyTuple K(params object?[] items) => new(items);

    public static List<string> TreeReduction(MsgMap s, UnpackedGraph graph)
    {
        var name = Str(s, "name");
        var nameInput = Str(s, "name_input");
        long nIn = PyConvert.Int(s["npartitions_input"], "npartitions_input");
        var concat = s["concat_func"];
        var treeNode = s["tree_node_func"];
        var finalize = s["finalize_func"];
        long splitEvery = MsgValues.AsLong(s["split_every"]) ?? 32;
        long? splitOut = MsgValues.AsLong(s["split_out"]);
        bool split = splitOut is > 0;
        var outputs = s["output_partitions"] is IList<object?> op
            ? op.Select(x => PyConvert.Int(x, "output_partitions")).ToList()
            : Enumerable.Range(0, (int)(splitOut ?? 1)).Select(x => (long)x).ToList();
        var treeName = s["tree_node_name"] as string ?? "tree_node-" + name;
        var widths = new List<long> { nIn };
        for (long parts = nIn; parts > 1;)
        {
            parts = (parts + splitEvery - 1) / splitEvery;
            widths.Add(parts);
        }
        int height = widths.Count;
        PyTuple Key(object? first, long p, long? depth, long sp)
        {
            var items = new List<object?> { first, p };
            if (depth is { } d) items.Add(d);
            if (split) items.Add(sp);
            return new PyTuple([.. items]);
        }
        PyTuple Task(List<PyTuple> inputs, bool final) =>
            K(Pipe, new PyList([.. inputs]), concat, final && finalize != null ? finalize : treeNode);

        var raw = new List<(PyTuple, object?)>();
        if (outputs.Count == 0) return [];
        var inputName = nameInput;
        if (split)
        {
            inputName += "-split";
            foreach (var sp in outputs)
                for (long p = 0; p < nIn; p++)
                    raw.Add((Key(inputName, p, null, sp), K(GetItem, K(nameInput, p), sp)));
        }
        if (height >= 2)
        {
            foreach (var sp in outputs)
                for (int depth = 1; depth < height; depth++)
                    for (long group = 0; group < widths[depth]; group++)
                    {
                        long pMax = widths[depth - 1];
                        long lstart = splitEvery * group;
                        long lstop = Math.Min(lstart + splitEvery, pMax);
                        var inputs = new List<PyTuple>();
                        for (long p = lstart; p < lstop; p++)
                            inputs.Add(depth == 1 ? Key(inputName, p, null, sp) : Key(treeName, p, depth - 1, sp));
                        if (depth == height - 1) raw.Add((K(name, sp), Task(inputs, true)));
                        else raw.Add((Key(treeName, group, depth, sp), Task(inputs, false)));
                    }
        }
        else
        {
            foreach (var sp in outputs) raw.Add((K(name, sp), Task([Key(inputName, 0, null, sp)], true)));
        }
        return TaskDumper.AddSerializedLayer(graph, raw);
    }

    /// <summary>The state fields SimpleShuffleLayer and ShuffleLayer share.</summary>
    private sealed record ShuffleState(string Name, object? Column, long NIn, object? NPartitions, bool IgnoreIndex, string NameInput)
    {
        public static ShuffleState Read(MsgMap s) => new(Str(s, "name"), DataFrameLayers.Column(s["column"]),
            PyConvert.Int(s["npartitions_input"], "npartitions_input"), PyConvert.FromMsg(s["npartitions"]),
            s["ignore_index"] is true, Str(s, "name_input"));
    }

    public static List<string> SimpleShuffle(MsgMap s, UnpackedGraph graph)
    {
        var (name, column, nIn, npartitions, ignoreIndex, nameInput) = ShuffleState.Read(s);
        var partsOut = PartsOut(s["parts_out"]);
        var splitName = "split-" + name;
        var groupName = "group-" + name;
        var raw = new List<(PyTuple, object?)>();
        var groups = new HashSet<long>();
        foreach (var po in partsOut)
        {
            var concatList = new List<object?>();
            for (long pi = 0; pi < nIn; pi++) concatList.Add(K(splitName, po, pi));
            raw.Add((K(name, po), K(Lazy("dask.dataframe.core._concat"), new PyList([.. concatList]), ignoreIndex)));
            for (long pi = 0; pi < nIn; pi++)
            {
                raw.Add((K(splitName, po, pi), K(GetItem, K(groupName, pi), po)));
                if (groups.Add(pi))
                    raw.Add((K(groupName, pi), K(Lazy("dask.dataframe.shuffle.shuffle_group"), K(nameInput, pi), column,
                        0L, npartitions, npartitions, ignoreIndex, npartitions)));
            }
        }
        return TaskDumper.AddLayer(graph, raw);
    }

    public static List<string> Shuffle(MsgMap s, UnpackedGraph graph)
    {
        var (name, column, nIn, npartitions, ignoreIndex, nameInput) = ShuffleState.Read(s);
        long stage = PyConvert.Int(s["stage"], "stage");
        long nsplits = PyConvert.Int(s["nsplits"], "nsplits");
        var inputs = (s["inputs"] as IList<object?> ?? []).Select(i => (i as IList<object?> ?? []).Select(x => PyConvert.Int(x, "inputs")).ToArray()).ToList();
        var partsOut = s["parts_out"] == null ? Enumerable.Range(0, inputs.Count).Select(x => (long)x).ToList() : PartsOut(s["parts_out"]);
        var splitName = "split-" + name;
        var groupName = "group-" + name;
        var inpPart = new Dictionary<string, int>();
        for (int i = 0; i < inputs.Count; i++) inpPart[string.Join(",", inputs[i])] = i;
        static PyTuple T(long[] a) => new(a.Select(x => (object?)x).ToArray());
        var raw = new List<(PyTuple, object?)>();
        var seen = new HashSet<string>();
        foreach (var part in partsOut)
        {
            var output = inputs[(int)part];
            var concatList = new List<(long Idx, long[] Inp)>();
            for (long i = 0; i < nsplits; i++)
            {
                var inp = (long[])output.Clone();
                inp[stage] = i; // dask.utils.insert replaces the element
                concatList.Add((output[stage], inp));
            }
            raw.Add((K(name, part), K(Lazy("dask.dataframe.core._concat"),
                new PyList(concatList.Select(c => (object?)K(splitName, c.Idx, T(c.Inp))).ToArray()), ignoreIndex)));
            foreach (var (idx, inp) in concatList)
            {
                raw.Add((K(splitName, idx, T(inp)), K(GetItem, K(groupName, T(inp)), idx)));
                if (!seen.Add(string.Join(",", inp))) continue;
                int p = inpPart.TryGetValue(string.Join(",", inp), out var pp) ? pp
                    : throw new UnsupportedLayerException("ShuffleLayer: an input partition missing from inputs");
                PyTuple inputKey;
                if (stage == 0 && p >= nIn)
                {
                    // A padding partition: its input is the empty meta frame, added as a task of its own.
                    inputKey = K(groupName, T(inp), "empty");
                    raw.Add((inputKey, s["meta_input"]));
                }
                else inputKey = K(nameInput, (long)p);
                raw.Add((K(groupName, T(inp)), K(Lazy("dask.dataframe.shuffle.shuffle_group"), inputKey, column,
                    stage, nsplits, nIn, ignoreIndex, npartitions)));
            }
        }
        return TaskDumper.AddLayer(graph, raw);
    }

    public static List<string> BroadcastJoin(MsgMap s, UnpackedGraph graph)
    {
        var name = Str(s, "name");
        var lhsName = Str(s, "lhs_name");
        var rhsName = Str(s, "rhs_name");
        long lhsN = PyConvert.Int(s["lhs_npartitions"], "lhs_npartitions");
        long rhsN = PyConvert.Int(s["rhs_npartitions"], "rhs_npartitions");
        long npartitions = PyConvert.Int(s["npartitions"], "npartitions");
        var kwargs = PyConvert.FromMsg(s["merge_kwargs"] ?? new MsgMap()) as PyDict ?? new PyDict([]);
        object? Kw(string k) => kwargs.Items.FirstOrDefault(p => p.Key is string ks && ks == k).Value;
        var how = Kw("how") as string;
        var partsOut = s["parts_out"] == null
            ? Enumerable.Range(0, (int)npartitions).Select(x => (long)x).ToList()
            : PartsOut(s["parts_out"]);
        bool bcastLeft = lhsN < rhsN;
        var (bName, bSize, oName, oOn) = bcastLeft ? (lhsName, lhsN, rhsName, Kw("right_on")) : (rhsName, rhsN, lhsName, Kw("left_on"));
        var interName = "inter-" + name;
        var splitName = "split-" + name;
        var raw = new List<(PyTuple, object?)>();
        foreach (var i in partsOut)
        {
            if (how != "inner")
                raw.Add((K(splitName, i), K(Lazy("dask.dataframe.multi._split_partition"), K(oName, i), oOn, bSize)));
            var concatList = new List<object?>();
            for (long j = 0; j < bSize; j++)
            {
                object? a = how != "inner" ? K(GetItem, K(splitName, i), j) : K(oName, i);
                var args = new List<object?> { a, K(bName, j) };
                if (bcastLeft) args.Reverse();
                var interKey = K(interName, i, j);
                raw.Add((interKey, K(TaskDumper.Apply, Lazy("dask.dataframe.multi._merge_chunk_wrapper"), new PyList([.. args]), kwargs)));
                concatList.Add(interKey);
            }
            raw.Add((K(name, i), K(Lazy("dask.dataframe.multi._concat_wrapper"), new PyList([.. concatList]))));
        }
        return TaskDumper.AddLayer(graph, raw);
    }

    private static string Str(MsgMap s, string field) =>
        s[field] as string ?? throw new UnsupportedLayerException($"layer state without {field}");

    /// <summary>The unpackers turn a column array back into a Python list (it was one on the client).</summary>
    private static object? Column(object? v) => v is IList<object?> l ? new PyList(l.Select(x => PyConvert.FromMsg(x)).ToArray()) : PyConvert.FromMsg(v);

    private static List<long> PartsOut(object? v) => MsgValues.SetItems(v).Select(x => PyConvert.Int(x, "parts_out")).ToList();
}
