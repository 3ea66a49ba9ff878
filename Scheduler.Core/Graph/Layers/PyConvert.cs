using Scheduler.Core.Pickle;
using Scheduler.Core.Protocol;
using Scheduler.Core.State;

namespace Scheduler.Core.Graph.Layers;

/// <summary>Conversions between decoded msgpack values and the Python values layer expansion works on.</summary>
public static class PyConvert
{
    /// <summary>
    /// A msgpack value as Python sees it after decoding with <c>use_list=False</c>: arrays are tuples
    /// (or lists where the layer recorded <c>is_list</c>), maps are dicts, Serialized objects stay opaque.
    /// </summary>
    public static object? FromMsg(object? v, bool asList = false) => v switch
    {
        IList<object?> a when asList => new PyList(a.Select(x => FromMsg(x)).ToArray()),
        IList<object?> a => new PyTuple(a.Select(x => FromMsg(x)).ToArray()),
        MsgMap m when m.ContainsKey("__Set__") => new PyList(MsgValues.SetItems(m).Select(x => FromMsg(x)).ToArray()),
        MsgMap m => new PyDict(m.Select(p => new KeyValuePair<object?, object?>(FromMsg(p.Key), FromMsg(p.Value))).ToList()),
        _ => v,
    };

    /// <summary>
    /// Dask's <c>stringify_collection_keys</c>: every tuple whose first element is a str (a key) becomes its
    /// repr string; tuples starting with a callable are tasks whose arguments are searched.
    /// </summary>
    public static object? StringifyKeys(object? v)
    {
        switch (v)
        {
            case PyTuple t when t.Items.Length > 0 && t.Items[0] is string:
                return PyRepr.Repr(t);
            case PyTuple t when t.Items.Length > 0 && IsCallable(t.Items[0]):
                return new PyTuple([t.Items[0], .. t.Items.Skip(1).Select(StringifyKeys)]);
            case PyTuple t:
                return new PyTuple(t.Items.Select(StringifyKeys).ToArray());
            case PyList l:
                return new PyList(l.Items.Select(StringifyKeys).ToArray());
            case PyDict d:
                return new PyDict(d.Items.Select(p => new KeyValuePair<object?, object?>(p.Key, StringifyKeys(p.Value))).ToList());
            default:
                return v;
        }
    }

    public static bool IsCallable(object? v) => v is PyGlobal or Serialized || v is PyObject o && o.Class.Name == "CallableLazyImport";

    /// <summary>Key strings (and nested ones) inside a value, for dependencies.</summary>
    public static IEnumerable<string> Strings(object? v)
    {
        switch (v)
        {
            case string s: yield return s; break;
            case PyTuple t: foreach (var x in t.Items) foreach (var s in Strings(x)) yield return s; break;
            case PyList l: foreach (var x in l.Items) foreach (var s in Strings(x)) yield return s; break;
        }
    }

    public static long Int(object? v, string what) => MsgValues.AsLong(v) ?? throw new UnsupportedLayerException($"{what} is not an integer");

    public static string KeyOf(object? v) => TaskKeys.FromWire(v) ?? throw new UnsupportedLayerException($"a key of type {v?.GetType().Name}");
}
