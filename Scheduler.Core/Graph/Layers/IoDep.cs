using Scheduler.Core.Graph.Layers;
using Scheduler.Core.Pickle;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.Graph.Layers;

/// <summary>
/// The io-deps of a Blockwise layer (BlockwiseDep subclasses): what argument each block gets in place of an
/// input key. Values from the client (BlockwiseDepDict) are passed on untouched.
/// </summary>
public abstract class IoDep
{
    public virtual bool ProducesKeys => false;

    /// <summary>The argument for block <paramref name="idx"/> (Dask's <c>dep.get(idx, idx)</c>).</summary>
    public abstract object? Get(long[] idx);

    public static IoDep Unpack(MsgMap? packed)
    {
        var module = packed?["__module__"] as string;
        var name = packed?["__name__"] as string;
        var state = packed?["state"] as MsgMap ?? new MsgMap();
        return (module, name) switch
        {
            ("dask.blockwise", "BlockwiseDepDict") => new DictDep(state),
            ("dask.blockwise", "BlockIndex") => new IndexDep(),
            ("dask.layers", "ArrayChunkShapeDep") => new ChunkShapeDep(Chunks(state)),
            ("dask.layers", "ArraySliceDep") => new SliceDep(Chunks(state)),
            _ => throw new UnsupportedLayerException($"This scheduler cannot expand the Blockwise io-dep {module}.{name}."),
        };
    }

    private static object?[][] Chunks(MsgMap state) =>
        (state["chunks"] as IList<object?> ?? []).Select(c => (c as IList<object?> ?? []).ToArray()).ToArray();

    private static PyTuple Tuple(long[] idx) => new(idx.Select(i => (object?)i).ToArray());

    /// <summary>BlockwiseDepDict: a mapping from block index to a client object (or a key).</summary>
    private sealed class DictDep(MsgMap state) : IoDep
    {
        private readonly MsgMap _mapping = state["mapping"] as MsgMap ?? new MsgMap();
        private readonly int _dims = (state["numblocks"] as IList<object?>)?.Count ?? 1;
        public override bool ProducesKeys => state["produces_keys"] is true;

        public override object? Get(long[] idx)
        {
            var key = idx.Select(i => (object?)i).ToArray();
            if (_mapping.TryGetValue(key, out var v)) return Value(v);
            if (idx.Length > _dims && _mapping.TryGetValue(key[.._dims], out var flat)) return Value(flat);
            return Tuple(idx);
        }

        private object? Value(object? v) => v is Serialized ? v : ProducesKeys ? PyConvert.KeyOf(v) : PyConvert.FromMsg(v);
    }

    private sealed class IndexDep : IoDep
    {
        public override object? Get(long[] idx) => Tuple(idx);
    }

    private sealed class ChunkShapeDep(object?[][] chunks) : IoDep
    {
        public override object? Get(long[] idx) =>
            new PyTuple(idx.Zip(chunks).Select(p => p.Second[p.First]).ToArray());
    }

    private sealed class SliceDep(object?[][] chunks) : IoDep
    {
        private readonly long[][] _starts = chunks.Select(c =>
        {
            var s = new long[c.Length + 1];
            for (int i = 0; i < c.Length; i++) s[i + 1] = s[i] + (MsgValues.AsLong(c[i]) ?? 0);
            return s;
        }).ToArray();

        public override object? Get(long[] idx) =>
            new PyTuple(idx.Zip(_starts).Select(p => (object?)new PySlice(p.Second[p.First], p.Second[p.First + 1], null)).ToArray());
    }
}
