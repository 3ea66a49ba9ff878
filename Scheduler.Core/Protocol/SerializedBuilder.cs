using Scheduler.Core.Pickle;

namespace Scheduler.Core.Protocol;

/// <summary>
/// Builds Serialized values the way Python's <c>serialize_and_split(Serialize(collection))</c> does, for
/// the task specs the scheduler itself creates: a collection header whose elements are either a client's
/// Serialized object nested unchanged (its header becomes a sub-header, its frames are appended) or a
/// scheduler-made value written as a pickle (<c>{"serializer": "pickle", "writeable": []}</c>).
/// </summary>
public static class SerializedBuilder
{

    /// <summary>One pickled value as a Serialized object (for nesting or on its own).</summary>
    public static Serialized Pickled(object? value)
    {
        var frame = Pickler.Dumps(value);
        var header = new MsgMap().Add("serializer", "pickle").Add("writeable", Array.Empty<object?>())
            .Add("split-num-sub-frames", new object?[] { 1L }).Add("split-offsets", new object?[] { 0L })
            .Add("compression", new object?[] { null }).Add("num-sub-frames", 1L);
        return new Serialized(MsgEncoder.EncodePlain(header), [frame]);
    }

    public static Serialized List(IReadOnlyList<object?> elements) => Collection("list", elements);

    public static Serialized Tuple(IReadOnlyList<object?> elements) => Collection("tuple", elements);

    // Expanded layers build thousands of collections of the same shape (e.g. two pickled keys); their
    // headers are identical, so each shape is encoded once. The key names the element kinds and, for a
    // nested client object, the identity of its header bytes (the same io-dep object shares one array).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (byte[] Bytes, MsgMap Header)> HeaderCache = new();
    private const int HeaderCacheLimit = 10_000;

    /// <summary>A list/tuple collection; Serialized elements are nested as they are, anything else is pickled.</summary>
    public static Serialized Collection(string type, IReadOnlyList<object?> elements)
    {
        bool plain = true;
        foreach (var e in elements)
            if (e is Serialized || e is PyTuple or PyList && ContainsSerialized(e is PyTuple t ? t.Items : ((PyList)e).Items)) { plain = false; break; }
        if (plain)
        {
            // The common case: every element is a scheduler-made pickle.
            var key = type + ":" + elements.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!HeaderCache.TryGetValue(key, out var cached))
            {
                cached = BuildPlainHeader(type, elements.Count);
                if (HeaderCache.Count < HeaderCacheLimit) HeaderCache[key] = cached;
            }
            var pickles = new byte[elements.Count][];
            for (int i = 0; i < pickles.Length; i++) pickles[i] = Pickler.Dumps(elements[i]);
            return new Serialized(cached.Bytes, pickles, cached.Header);
        }
        return CollectionSlow(type, elements);
    }

    private static (byte[], MsgMap) BuildPlainHeader(string type, int count)
    {
        var sub = Enumerable.Range(0, count)
            .Select(_ => (object?)new MsgMap().Add("serializer", "pickle").Add("writeable", Array.Empty<object?>())).ToArray();
        var header = new MsgMap()
            .Add("sub-headers", sub)
            .Add("is-collection", true)
            .Add("frame-lengths", Enumerable.Repeat((object?)1L, count).ToArray())
            .Add("type-serialized", type)
            .Add("split-num-sub-frames", Enumerable.Repeat((object?)1L, count).ToArray())
            .Add("split-offsets", Enumerable.Range(0, count).Select(i => (object?)(long)i).ToArray())
            .Add("compression", new object?[count])
            .Add("num-sub-frames", (long)count);
        return (MsgEncoder.EncodePlain(header), header);
    }

    private static Serialized CollectionSlow(string type, IReadOnlyList<object?> elements)
    {
        var subHeaders = new object?[elements.Count];
        var lengths = new object?[elements.Count];
        var frames = new List<byte[]>();
        var compression = new List<object?>();
        for (int i = 0; i < elements.Count; i++)
        {
            var element = elements[i] switch
            {
                // A tuple/list holding a client object is itself serialized element by element, as Python does.
                PyTuple t when ContainsSerialized(t.Items) => Collection("tuple", t.Items),
                PyList l when ContainsSerialized(l.Items) => Collection("list", l.Items),
                var other => other,
            };
            if (element is Serialized s)
            {
                subHeaders[i] = s.Header;
                lengths[i] = (long)s.Frames.Length;
                frames.AddRange(s.Frames);
                var tags = s.Header["compression"] as IList<object?>;
                for (int f = 0; f < s.Frames.Length; f++) compression.Add(tags != null && f < tags.Count ? tags[f] : null);
            }
            else
            {
                subHeaders[i] = new MsgMap().Add("serializer", "pickle").Add("writeable", Array.Empty<object?>());
                lengths[i] = 1L;
                frames.Add(Pickler.Dumps(element));
                compression.Add(null);
            }
        }
        var header = new MsgMap()
            .Add("sub-headers", subHeaders)
            .Add("is-collection", true)
            .Add("frame-lengths", lengths)
            .Add("type-serialized", type)
            .Add("split-num-sub-frames", Enumerable.Repeat((object?)1L, frames.Count).ToArray())
            .Add("split-offsets", Enumerable.Range(0, frames.Count).Select(i => (object?)(long)i).ToArray())
            .Add("compression", compression.ToArray())
            .Add("num-sub-frames", (long)frames.Count);
        return new Serialized(MsgEncoder.EncodePlain(header), [.. frames]);
    }

    private static bool ContainsSerialized(IEnumerable<object?> items) => items.Any(x => x switch
    {
        Serialized => true,
        PyTuple t => ContainsSerialized(t.Items),
        PyList l => ContainsSerialized(l.Items),
        _ => false,
    });
}
