using Scheduler.Core.Pickle;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// set_metadata / get_metadata (Client.set_metadata): a tree of arbitrary msgpack values addressed by key paths.
public sealed partial class SchedulerState
{
    /// <summary>Dask's task_metadata: nested maps of whatever clients stored.</summary>
    public MsgMap Metadata { get; } = new();

    /// <summary>The value dask.utils.no_default has on the wire ("no default given").</summary>
    private const string NoDefault = "__no_default__";

    private void SetMetadata(object? keys, object? value)
    {
        var path = MetadataPath(keys);
        if (path.Count == 0) return;
        var node = Metadata;
        foreach (var k in path.Take(path.Count - 1))
        {
            if (node[k] is not MsgMap next)
            {
                next = new MsgMap();
                node.Set(k, next);
            }
            node = next;
        }
        node.Set(path[^1], value);
    }

    private object? GetMetadata(object? keys, object? defaultValue, bool hasDefault)
    {
        object? current = Metadata;
        foreach (var k in MetadataPath(keys))
        {
            // Indexing something that is not a dict fails in Python with a TypeError, default or not.
            if (current is not MsgMap map) return UncaughtError($"TypeError: '{PyTypeName(current)}' object is not subscriptable");
            if (map.TryGetValue(k, out var next)) current = next;
            else if (hasDefault && !Equals(defaultValue, NoDefault) && !IsEnumNoDefault(defaultValue)) return defaultValue;
            else return UncaughtError($"KeyError: {PyRepr.Repr(k)}");
        }
        return current;
    }

    /// <summary>
    /// A 2024.12 client's "no default" is <c>dask.typing.no_default</c>, an enum member, which its msgpack encoder
    /// writes as <c>{"__Enum__": true, "__module__": "dask.typing", "__name__": "_NoDefault", "name": "no_default"}</c>.
    /// </summary>
    private static bool IsEnumNoDefault(object? v) =>
        v is MsgMap m && m["__Enum__"] is true && m["__module__"] as string == "dask.typing" && m["name"] as string == "no_default";

    private static string PyTypeName(object? v) => v switch
    {
        null => "NoneType",
        bool => "bool",
        long or ulong or int => "int",
        double => "float",
        string => "str",
        byte[] => "bytes",
        IList<object?> => "list",
        _ => "object",
    };

    private static List<object> MetadataPath(object? keys) =>
        keys is IList<object?> list ? list.OfType<object>().ToList() : keys == null ? [] : [keys];
}
