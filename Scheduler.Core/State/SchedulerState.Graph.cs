using Microsoft.Extensions.Logging;
using Scheduler.Core.Config;
using Scheduler.Core.Graph;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// update-graph-hlg / update-graph: new tasks, their priorities, annotations and first transitions.
public sealed partial class SchedulerState
{
    private void OnUpdateGraphHlg(string client, MsgMap msg)
    {
        var keys = KeyList(msg["keys"]);
        UnpackedGraph graph;
        try
        {
            graph = msg["hlg"] is MsgMap hlg ? HlgUnpacker.Unpack(hlg) : throw new UnsupportedLayerException("update-graph-hlg without hlg");
        }
        catch (UnsupportedLayerException e)
        {
            RefuseGraph(client, keys, e.Message);
            return;
        }
        catch (Exception e) when (e is InvalidCastException or KeyNotFoundException or IndexOutOfRangeException
                                      or ArgumentException or NullReferenceException or InvalidOperationException or FormatException)
        {
            // A layer state that does not have the shape Dask gives it: refuse that graph, keep everything else.
            _log.LogWarning(e, "could not expand a graph from {Client}", client);
            RefuseGraph(client, keys, $"This scheduler could not expand the graph: {e.GetType().Name}: {e.Message}");
            return;
        }
        var sid = msg["stimulus_id"] as string ?? StimulusId("update-graph", Now);
        var priority = msg["priority"] as MsgMap;
        Dictionary<string, double>? order = null;
        if (priority == null)
        {
            // As update_graph_hlg: dask.order over the whole unpacked graph (dependencies restricted to it),
            // before tasks already in memory are pruned, so priorities equal Python's.
            try
            {
                order = OrderGraph(graph.Tasks, graph.Dependencies);
            }
            catch (InvalidOperationException e)
            {
                RefuseGraph(client, keys, "This graph cannot be ordered: " + e.Message);
                return;
            }
        }
        UpdateGraph(client, graph, keys, priority, msg["submitting_task"] is { } st ? TaskKeys.FromWire(st) : null,
            msg["actors"], TimeParsing.ParseSeconds(msg["fifo_timeout"]) ?? 0, sid, order);
    }

    private static Dictionary<string, double> OrderGraph(Dictionary<string, object?> tasks, Dictionary<string, HashSet<string>> dependencies)
    {
        var stripped = new Dictionary<string, HashSet<string>>(tasks.Count);
        foreach (var (k, v) in dependencies)
        {
            if (!tasks.ContainsKey(k)) continue;
            bool allInside = true;
            foreach (var d in v) if (!tasks.ContainsKey(d)) { allInside = false; break; }
            stripped[k] = allInside ? v : v.Where(tasks.ContainsKey).ToHashSet();
        }
        var order = GraphOrder.Order(tasks, stripped);
        var result = new Dictionary<string, double>(order.Count);
        foreach (var (k, p) in order) result[k] = p;
        return result;
    }

    /// <summary>The legacy update-graph op (clients still send it, with no tasks, when unpickling a Future).</summary>
    private void OnUpdateGraphLegacy(string client, MsgMap msg)
    {
        var graph = new UnpackedGraph();
        if (msg["tasks"] is MsgMap tasks)
            foreach (var (k, v) in tasks)
                if (TaskKeys.FromWire(k) is { } key) graph.Tasks[key] = v;
        if (msg["dependencies"] is MsgMap deps)
            foreach (var (k, v) in deps)
                if (TaskKeys.FromWire(k) is { } key)
                    graph.Dependencies[key] = MsgValues.SetItems(v).Select(TaskKeys.FromWire).OfType<string>().Where(d => d != key).ToHashSet();
        if (msg["annotations"] is MsgMap ann)
            foreach (var (a, v) in ann)
                if (a is string name && v is MsgMap perKey)
                    graph.Annotations[name] = perKey.Where(p => TaskKeys.FromWire(p.Key) != null)
                        .ToDictionary(p => TaskKeys.FromWire(p.Key)!, p => p.Value);
        var sid = msg["stimulus_id"] as string ?? StimulusId("update-graph", Now);
        UpdateGraph(client, graph, KeyList(msg["keys"]), msg["priority"] as MsgMap,
            msg["submitting_task"] is { } st ? TaskKeys.FromWire(st) : null, msg["actors"],
            TimeParsing.ParseSeconds(msg["fifo_timeout"]) ?? 0, sid);
    }

    /// <summary>A graph we cannot expand: every requested key errs with a readable message; nothing else changes.</summary>
    private void RefuseGraph(string client, List<string> keys, string reason)
    {
        _log.LogWarning("refusing a graph from {Client}: {Reason}", client, reason);
        if (!Clients.TryGetValue(client, out var cs)) return;
        foreach (var key in keys)
        {
            if (Tasks.ContainsKey(key)) continue;
            SendToClient(cs, new MsgMap()
                .Add("op", "task-erred")
                .Add("key", TaskKeys.ToWire(key))
                .Add("exception", reason)
                .Add("traceback", null));
        }
    }

    private void UpdateGraph(string client, UnpackedGraph graph, List<string> keyList, MsgMap? priority,
        string? submittingTask, object? actors, double fifoTimeout, string sid, Dictionary<string, double>? precomputedOrder = null)
    {
        var tasks = graph.Tasks;
        var dependencies = graph.Dependencies;
        var keys = new HashSet<string>(keyList);

        // Drop tasks whose dependencies are unknown (lost data), repeatedly.
        int n = -1;
        var lost = new List<string>();
        while (n != tasks.Count)
        {
            n = tasks.Count;
            lost.Clear();
            foreach (var (k, deps) in dependencies)
                foreach (var d in deps)
                    if (!tasks.ContainsKey(d) && !Tasks.ContainsKey(d)) { lost.Add(k); break; }
            foreach (var k in lost)
            {
                _log.LogInformation("user asked for computation on lost data, {Key}", k);
                tasks.Remove(k);
                dependencies.Remove(k);
                keys.Remove(k);
                Report(new MsgMap().Add("op", "cancelled-key").Add("key", TaskKeys.ToWire(k)), null, client);
                if (Clients.TryGetValue(client, out var ccs))
                {
                    var r = new Recommendations();
                    ClientReleasesKeys(ccs, [k], r);
                    Transitions(r, sid);
                }
            }
        }

        // Avoid recomputing what is already in memory (and the part of the graph only it needed).
        var done = new HashSet<string>();
        foreach (var (k, v) in dependencies)
            if (v.Count > 0 && Tasks.TryGetValue(k, out var existing) && existing.Status is TaskStatus.Memory or TaskStatus.Erred)
                done.Add(k);
        if (done.Count > 0)
        {
            var dependents = new Dictionary<string, HashSet<string>>();
            foreach (var (k, deps) in dependencies)
                foreach (var d in deps)
                {
                    if (!dependents.TryGetValue(d, out var s)) dependents[d] = s = [];
                    s.Add(k);
                }
            var stack = new Stack<string>(done);
            while (stack.Count > 0)
            {
                var key = stack.Pop();
                IEnumerable<string> deps = dependencies.TryGetValue(key, out var dd) ? dd
                    : Tasks.TryGetValue(key, out var kts) ? kts.Dependencies.Select(t => t.Key) : [];
                foreach (var dep in deps)
                {
                    IEnumerable<string> childDeps = dependents.TryGetValue(dep, out var cd) ? cd
                        : Tasks.TryGetValue(dep, out var dts) ? dts.Dependencies.Select(t => t.Key) : [];
                    if (childDeps.All(done.Contains) && Tasks.ContainsKey(dep) && done.Add(dep)) stack.Push(dep);
                }
            }
            foreach (var d in done)
            {
                tasks.Remove(d);
                dependencies.Remove(d);
            }
        }

        // Get or create task states for everything reachable from the requested keys.
        var touchedKeys = new HashSet<string>();
        var touched = new List<TaskState>();
        var walk = new Stack<string>(keys);
        while (walk.Count > 0)
        {
            var k = walk.Pop();
            if (!touchedKeys.Add(k)) continue;
            if (!Tasks.TryGetValue(k, out var ts)) ts = NewTask(k, tasks.GetValueOrDefault(k));
            else if (ts.RunSpec == null && tasks.TryGetValue(k, out var spec)) ts.RunSpec = spec;
            touched.Add(ts);
            if (dependencies.TryGetValue(k, out var deps)) foreach (var d in deps) walk.Push(d);
        }

        ClientDesiresKeys(client, keys);

        foreach (var (key, deps) in dependencies)
        {
            if (!Tasks.TryGetValue(key, out var ts) || ts.Dependencies.Count > 0) continue;
            foreach (var dep in deps)
                if (Tasks.TryGetValue(dep, out var dts)) AddDependency(ts, dts);
        }

        ApplyAnnotations(graph.Annotations);

        if (actors is true) foreach (var k in keys) { if (Tasks.TryGetValue(k, out var a)) a.Actor = true; }
        else foreach (var k in KeyList(actors)) if (Tasks.TryGetValue(k, out var a)) a.Actor = true;

        Dictionary<string, double> order;
        if (priority != null)
        {
            order = new Dictionary<string, double>(priority.Count);
            foreach (var (k, v) in priority)
                if (TaskKeys.FromWire(k) is { } key && MsgValues.AsDouble(v) is { } p) order[key] = p;
        }
        else if (precomputedOrder != null)
        {
            order = precomputedOrder;
        }
        else
        {
            // The legacy update-graph orders what is left after pruning, as Dask's update_graph does.
            try
            {
                order = OrderGraph(tasks, dependencies);
            }
            catch (InvalidOperationException e)
            {
                _log.LogWarning("cannot order a graph from {Client}: {Error}", client, e.Message);
                order = [];
            }
        }

        double generation;
        if (submittingTask != null)
            generation = Tasks.TryGetValue(submittingTask, out var parent) && parent.Priority != null
                ? parent.Priority.Parts[0] - 0.01 : _generation;
        else if (_lastGenerationTime + fifoTimeout < Now)
        {
            _generation++;
            generation = _generation;
            _lastGenerationTime = Now;
        }
        else generation = _generation;

        var userPriority = graph.Annotations.GetValueOrDefault("priority");
        foreach (var (key, p) in order)
        {
            if (!touchedKeys.Contains(key) || !Tasks.TryGetValue(key, out var ts) || ts.Priority != null) continue;
            double up = userPriority != null && userPriority.TryGetValue(key, out var u) ? MsgValues.AsDouble(u) ?? 0 : 0;
            ts.Priority = new Priority(-up, generation, p);
        }
        var runnables = touched.Where(t => t.RunSpec != null).ToList();
        foreach (var ts in runnables) ts.Priority ??= new Priority(_generation, 0);

        var recs = new Recommendations();
        runnables.Sort((a, b) => -PriorityComparer.Instance.Compare(a, b));
        foreach (var ts in runnables)
            if (ts.Status == TaskStatus.Released) recs[ts.Key] = TaskStatus.Waiting;
        foreach (var ts in touched)
            foreach (var dts in ts.Dependencies)
                if (dts.ExceptionBlame != null)
                {
                    ts.ExceptionBlame = dts.ExceptionBlame;
                    recs[ts.Key] = TaskStatus.Erred;
                    break;
                }
        Transitions(recs, sid);

        foreach (var ts in touched)
            if (ts.Status is TaskStatus.Memory or TaskStatus.Erred) ReportOnKey(ts, client);
        RetryPendingCancels();
    }

    private static void AddDependency(TaskState ts, TaskState dep)
    {
        ts.Dependencies.Add(dep);
        dep.Dependents.Add(ts);
        ts.Group.Dependencies.Add(dep.Group);
    }

    private void ApplyAnnotations(Dictionary<string, Dictionary<string, object?>> annotations)
    {
        foreach (var (name, perKey) in annotations)
        {
            foreach (var (key, value) in perKey)
            {
                if (!Tasks.TryGetValue(key, out var ts)) continue;
                ts.Annotations.Set(name, value);
                switch (name)
                {
                    case "workers": SetRestrictions(ts, value); break;
                    case "allow_other_workers": if (MsgValues.AsBool(value)) ts.LooseRestrictions = true; break;
                    case "retries": if (MsgValues.AsLong(value) is { } r) ts.Retries = (int)r; break;
                    case "resources": if (value is MsgMap res) ts.ResourceRestrictions = res; break;
                }
            }
        }
    }

    private void SetRestrictions(TaskState ts, object? value)
    {
        if (value == null) return;
        ts.WorkerRestrictions = [];
        ts.HostRestrictions = [];
        var items = value is IList<object?> || MsgValues.IsSet(value) ? MsgValues.SetItems(value) : [value];
        foreach (var w in items)
        {
            if (w == null) continue;
            if (CoerceAddress(w) is { } addr) ts.WorkerRestrictions.Add(addr);
            else if (w is string host) ts.HostRestrictions.Add(host);
        }
    }

    /// <summary>A worker name (alias) or an address becomes the worker's address; anything else is a host name.</summary>
    private string? CoerceAddress(object w)
    {
        if (Aliases.TryGetValue(w, out var a)) return a;
        if (w is not string s) return null;
        return WorkerAddress.Normalize(s);
    }

    private void ReportOnKey(TaskState ts, string? client)
    {
        MsgMap? msg = ts.Status switch
        {
            TaskStatus.Forgotten => new MsgMap().Add("op", "cancelled-key").Add("key", TaskKeys.ToWire(ts.Key)),
            TaskStatus.Memory => new MsgMap().Add("op", "key-in-memory").Add("key", TaskKeys.ToWire(ts.Key)),
            TaskStatus.Erred when ts.ExceptionBlame != null => TaskErredReport(ts.Key, ts.ExceptionBlame),
            _ => null,
        };
        if (msg != null) Report(msg, ts, client);
    }

    private static List<string> KeyList(object? value)
    {
        var list = new List<string>();
        foreach (var k in MsgValues.SetItems(value))
            if (TaskKeys.FromWire(k) is { } key) list.Add(key);
        return list;
    }
}
