using Scheduler.Core.Pickle;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.Graph.Layers;

/// <summary>
/// The two steps every materialising unpacker of Dask ends with: the dependencies of a task are the keys
/// (of this layer or of earlier layers of the same graph) it mentions (<c>keys_in_tasks</c>), and the
/// task is stored as <c>dumps_task</c> would: a function/args(/kwargs) map of pickles when no argument
/// holds a nested task, the whole task as a Serialized collection otherwise.
/// </summary>
public static class TaskDumper
{
    /// <summary>dask.utils.apply, which dumps_task unwraps into function/args/kwargs.</summary>
    public static readonly PyGlobal Apply = new("dask.utils", "apply");

    public static bool IsTask(object? v) => v is PyTuple t && t.Items.Length > 0 && PyConvert.IsCallable(t.Items[0]);

    private static bool MaybeComplex(object? v) => IsTask(v)
        || v is PyList l && l.Items.Any(MaybeComplex)
        || v is PyDict d && d.Items.Any(p => MaybeComplex(p.Value));

    /// <summary>distributed.worker.dumps_task.</summary>
    public static object? Dump(object? task)
    {
        if (task is PyTuple t && IsTask(t))
        {
            if (Equals(t.Items[0], Apply) && t.Items.Length >= 3 && !t.Items.Skip(2).Any(MaybeComplex))
            {
                var d = new MsgMap().Add("function", Pickler.Dumps(t.Items[1])).Add("args", Pickler.Dumps(t.Items[2]));
                if (t.Items.Length == 4) d.Add("kwargs", Pickler.Dumps(t.Items[3]));
                return d;
            }
            if (t.Items[0] is not Serialized && !t.Items.Skip(1).Any(MaybeComplex))
                return new MsgMap().Add("function", Pickler.Dumps(t.Items[0])).Add("args", Pickler.Dumps(new PyTuple(t.Items[1..])));
            return SerializedBuilder.Tuple(t.Items);
        }
        return task switch
        {
            Serialized s => s,
            PyTuple other => SerializedBuilder.Tuple(other.Items),
            PyList l => SerializedBuilder.List(l.Items),
            _ => SerializedBuilder.Pickled(task),
        };
    }

    /// <summary>dask.core.keys_in_tasks: the strings inside a task that are keys of <paramref name="known"/>.</summary>
    public static HashSet<string> KeysIn(object? task, Func<string, bool> known)
    {
        var found = new HashSet<string>();
        var work = new Stack<object?>();
        work.Push(task);
        while (work.Count > 0)
        {
            switch (work.Pop())
            {
                case PyTuple t when IsTask(t): foreach (var x in t.Items.Skip(1)) work.Push(x); break;
                case PyList l: foreach (var x in l.Items) work.Push(x); break;
                case PyDict d: foreach (var p in d.Items) work.Push(p.Value); break;
                case string s when known(s): found.Add(s); break;
            }
        }
        return found;
    }

    /// <summary>Adds a materialised layer (Python tuple keys, Python task values), each task as dumps_task stores it.</summary>
    public static List<string> AddLayer(UnpackedGraph graph, List<(PyTuple Key, object? Task)> raw) => Add(graph, raw, Dump);

    /// <summary>Like <see cref="AddLayer"/>, but every task is stored whole as a Serialized (to_serialize).</summary>
    public static List<string> AddSerializedLayer(UnpackedGraph graph, List<(PyTuple Key, object? Task)> raw) =>
        Add(graph, raw, task => task is PyTuple t ? SerializedBuilder.Tuple(t.Items) : Dump(task));

    private static List<string> Add(UnpackedGraph graph, List<(PyTuple Key, object? Task)> raw, Func<object?, object?> store)
    {
        var tasks = raw.Select(r => (Key: PyRepr.Repr(r.Key), Task: PyConvert.StringifyKeys(r.Task))).ToList();
        var layerKeys = tasks.Select(t => t.Key).ToHashSet();
        bool Known(string k) => layerKeys.Contains(k) || graph.Tasks.ContainsKey(k);
        var keys = new List<string>(tasks.Count);
        foreach (var (key, task) in tasks)
        {
            var deps = KeysIn(task, Known);
            graph.Tasks[key] = store(task);
            if (!graph.Dependencies.TryGetValue(key, out var set)) graph.Dependencies[key] = set = [];
            set.UnionWith(deps);
            keys.Add(key);
        }
        return keys;
    }
}
