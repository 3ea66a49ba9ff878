using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Pickle;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// set_metadata / get_metadata (Client.set_metadata): a tree of arbitrary msgpack values addressed by key paths.
public sealed partial class SchedulerState
{
    /// <summary>Dask's task_metadata: nested maps of whatever clients stored.</summary>
    public MsgMap Metadata { get; } = new();

    private void SetMetadata(IReadOnlyList<object> path, object? value)
    {
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

    private object? GetMetadata(IReadOnlyList<object> path, object? defaultValue, bool hasDefault)
    {
        object? current = Metadata;
        foreach (var k in path)
        {
            // Indexing something that is not a dict fails in Python with a TypeError, default or not.
            if (current is not MsgMap map) return new ErrorReply($"TypeError: '{PyTypeName(current)}' object is not subscriptable");
            if (map.TryGetValue(k, out var next)) current = next;
            else if (hasDefault) return defaultValue;
            else return new ErrorReply($"KeyError: {PyRepr.Repr(k)}");
        }
        return current;
    }

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
}
