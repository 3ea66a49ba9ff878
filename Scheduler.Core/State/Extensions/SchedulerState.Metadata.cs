using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// Client.set_metadata / get_metadata: a tree of msgpack values on the scheduler (Dask's task_metadata), addressed
// by a key path. Tasks use it for shared flags next to locks (test_lock_sync), so it lives with the extensions.
public sealed partial class SchedulerState
{
    /// <summary>dask.utils.no_default as it crosses the wire: get_metadata without a default.</summary>
    private const string NoDefault = "__no_default__";

    public MsgMap TaskMetadata { get; } = new();

    private static IList<object?> MetadataPath(object? keys) => keys as IList<object?> ?? [keys];

    private void SetMetadata(object? keys, object? value)
    {
        var path = MetadataPath(keys);
        if (path.Count == 0) throw new ArgumentException("set_metadata needs at least one key");
        var node = TaskMetadata;
        for (int i = 0; i < path.Count - 1; i++)
        {
            var k = path[i] ?? NullName;
            if (node[k] is not MsgMap child)
            {
                child = new MsgMap();
                node.Set(k, child);
            }
            node = child;
        }
        node.Set(path[^1] ?? NullName, value);
    }

    private object? GetMetadata(object? keys, object? fallback)
    {
        object? node = TaskMetadata;
        foreach (var k in MetadataPath(keys))
        {
            if (node is MsgMap m && m.TryGetValue(k ?? NullName, out var next)) node = next;
            else if (node is IList<object?> list && MsgValues.AsLong(k) is { } i && i >= -list.Count && i < list.Count) node = list[(int)(i < 0 ? list.Count + i : i)];
            else return fallback is string s && s == NoDefault ? UncaughtError($"KeyError: {MsgDebug.Format(k)}") : fallback;
        }
        return node;
    }
}
