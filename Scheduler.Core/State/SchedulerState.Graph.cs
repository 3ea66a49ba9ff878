using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Scheduler.Core.Config;
using Scheduler.Core.Graph;
using Scheduler.Core.Messages;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// update-graph-hlg / update-graph: new tasks, their priorities, annotations and first transitions.
public sealed partial class SchedulerState
{
    private void OnUpdateGraphHlg(string client, UpdateGraphHlg update, GraphPreparation? preparation)
    {
        var submission = update.Submission;
        // The host prepares big graphs on the client's connection; a stimulus built elsewhere (tests) is prepared here.
        preparation ??= GraphPreparation.FromHlg(update.Message);
        if (preparation.Graph is not { } graph)
        {
            if (preparation.Error != null) _log.LogWarning(preparation.Error, "could not expand a graph from {Client}", client);
            RefuseGraph(client, submission.Keys, preparation.Refusal ?? "This scheduler could not expand the graph");
            return;
        }
        UpdateGraph(client, graph, submission);
    }

    /// <summary>The legacy update-graph op (clients still send it, with no tasks, when unpickling a Future).</summary>
    private void OnUpdateGraphLegacy(string client, UpdateGraphLegacy update) =>
        UpdateGraph(client, PreparedGraph.From(update.Graph, order: false), update.Submission, orderAfterPruning: true);

    /// <summary>A graph we cannot expand: every requested key errs with a readable message; nothing else changes.</summary>
    private void RefuseGraph(string client, IReadOnlyList<string> keys, string reason)
    {
        _log.LogWarning("refusing a graph from {Client}: {Reason}", client, reason);
        if (!Clients.TryGetValue(client, out var cs)) return;
        foreach (var key in keys)
        {
            if (Tasks.ContainsKey(key)) continue;
            SendToClient(cs, new KeyErred(key, reason, Traceback: null));
        }
    }

    /// <summary>
    /// Dask's update_graph on a positioned graph: drop what depends on lost data and what is already computed,
    /// create or reuse task states for everything the requested keys need, link them, give them priorities and
    /// recommend the runnable ones. Works by node position so that a big graph costs no hashing per edge.
    /// </summary>
    private void UpdateGraph(string client, PreparedGraph graph, GraphSubmission submission, bool orderAfterPruning = false)
    {
        var keyList = submission.Keys;
        var sid = submission.StimulusId ?? StimulusId("update-graph", Now);
        int n = graph.NodeCount, tc = graph.TaskCount;
        var keys = new HashSet<string>(keyList);
        var dialect = Clients.TryGetValue(client, out var submitter) ? submitter.Dialect : null;
        // removed[i]: node i was pruned (lost data or already computed) and is not part of this update.
        var removed = new bool[n];

        PruneLostData(client, graph, keys, removed, sid);
        PruneComputed(graph, removed);

        // Get or create task states for everything reachable from the requested keys (depth first, as Dask).
        Tasks.EnsureCapacity(Tasks.Count + tc);
        var nodeTask = new TaskState?[n];
        var groups = new TaskGroup?[graph.GroupNames.Length];
        var visited = new bool[n];
        var visitedOther = new HashSet<string>();
        var touched = new List<TaskState>(tc);
        var touchedNode = new List<int>(tc);
        var walk = new Stack<int>();
        var walkKeys = new Stack<string>(keys);
        // Task states this graph did not create (resubmitted, already computed, external): only they can carry blame.
        var preexisting = new List<TaskState>();
        while (walkKeys.Count > 0 || walk.Count > 0)
        {
            int node;
            if (walk.Count > 0) node = walk.Pop();
            else
            {
                var k = walkKeys.Pop();
                if (!graph.Index.TryGetValue(k, out node))
                {
                    // A requested key the graph does not define (a future the client holds): only its task state.
                    if (visitedOther.Add(k))
                    {
                        if (Tasks.TryGetValue(k, out var other)) preexisting.Add(other);
                        else other = NewTask(k, null);
                        touched.Add(other);
                        touchedNode.Add(-1);
                    }
                    continue;
                }
            }
            if (visited[node]) continue;
            visited[node] = true;
            var key = graph.Keys[node];
            var gi = graph.Group[node];
            if (removed[node])
            {
                // Already computed (or lost): its task state is part of the update, what it needed is not.
                if (Tasks.TryGetValue(key, out var prunedTs)) preexisting.Add(prunedTs);
                else prunedTs = NewTask(key, null, groups[gi] ??= GetOrCreateGroup(graph.GroupNames[gi], key));
                touched.Add(prunedTs);
                touchedNode.Add(node);
                continue;
            }
            var spec = node < tc ? graph.Specs[node] : null;
            // One hash of the key finds the task or makes room for it.
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(Tasks, key, out bool exists);
            if (!exists) slot = CreateTask(key, spec, groups[gi] ??= GetOrCreateGroup(graph.GroupNames[gi], key));
            else
            {
                preexisting.Add(slot!);
                if (slot!.RunSpec == null && node < tc) slot.RunSpec = spec;
            }
            var ts = slot;
            if (spec != null && ts.RunSpec == spec) ts.Dialect = dialect;
            nodeTask[node] = ts;
            touched.Add(ts);
            touchedNode.Add(node);
            var deps = graph.DependenciesOf(node);
            for (int e = 0; e < deps.Length; e++)
            {
                int d = deps[e];
                if (d < n) walk.Push(d);
                else if (visitedOther.Add(graph.KeyOf(d)) && Tasks.TryGetValue(graph.KeyOf(d), out var ext))
                {
                    preexisting.Add(ext);
                    touched.Add(ext);
                    touchedNode.Add(-1);
                }
            }
        }

        ClientDesiresKeys(client, keys);
        StartComputation(client, touched, keyList);

        // Link each task that has no dependencies yet (a resubmitted task keeps its links).
        for (int i = 0; i < n; i++)
        {
            if (removed[i]) continue;
            var ts = nodeTask[i];
            if (ts == null && !Tasks.TryGetValue(graph.Keys[i], out ts)) continue;
            if (ts.Dependencies.Count > 0) continue;
            foreach (var d in graph.DependenciesOf(i))
            {
                var dts = d < n ? nodeTask[d] : null;
                if (dts != null || Tasks.TryGetValue(graph.KeyOf(d), out dts)) AddDependency(ts, dts);
            }
        }

        ApplyAnnotations(graph.Annotations);

        if (submission.AllActors) foreach (var k in keys) { if (Tasks.TryGetValue(k, out var a)) a.Actor = true; }
        else foreach (var k in submission.ActorKeys) if (Tasks.TryGetValue(k, out var a)) a.Actor = true;

        // Static order: the client's priorities, else dask.order (of the whole graph for update-graph-hlg, as
        // prepared; of what is left after pruning for the legacy op, as Dask's update_graph does).
        var keyOrder = submission.Priority;
        long[]? nodeOrder = null;
        if (keyOrder == null && graph.Order != null) nodeOrder = graph.Order;
        else if (keyOrder == null && orderAfterPruning && tc > 0)
        {
            try
            {
                nodeOrder = graph.OrderTasks(i => !removed[i]);
            }
            catch (InvalidOperationException e)
            {
                _log.LogWarning("cannot order a graph from {Client}: {Error}", client, e.Message);
            }
        }

        double generation;
        double fifoTimeout = submission.FifoTimeout ?? 0;
        if (submission.SubmittingTask is { } submittingTask)
            generation = Tasks.TryGetValue(submittingTask, out var parent) && parent.Priority != null
                ? parent.Priority.Value[0] - 0.01 : _generation;
        else if (_lastGenerationTime + fifoTimeout < Now)
        {
            _generation++;
            generation = _generation;
            _lastGenerationTime = Now;
        }
        else generation = _generation;

        var userPriority = graph.Annotations.GetValueOrDefault("priority");
        var runnables = new List<TaskState>(touched.Count);
        for (int t = 0; t < touched.Count; t++)
        {
            var ts = touched[t];
            if (ts.Priority == null)
            {
                int node = touchedNode[t];
                double p = double.NaN;
                if (keyOrder != null) { if (keyOrder.TryGetValue(ts.Key, out var kp)) p = kp; }
                else if (nodeOrder != null && node >= 0 && node < tc && nodeOrder[node] >= 0) p = nodeOrder[node];
                if (!double.IsNaN(p))
                {
                    double up = userPriority != null && userPriority.TryGetValue(ts.Key, out var u) ? MsgValues.AsDouble(u) ?? 0 : 0;
                    ts.Priority = new Priority(-up, generation, p);
                }
            }
            if (ts.RunSpec != null)
            {
                ts.Priority ??= new Priority(_generation, 0);
                runnables.Add(ts);
            }
        }

        // Tasks whose dependency erred err too. A new task's dependencies are this graph's tasks, so blame can only
        // come from a task that existed before it or from such a task's own (kept) dependencies: a graph of new tasks
        // skips the walk over every edge.
        var blamed = new List<TaskState>();
        if (CarriesBlame(preexisting))
            foreach (var ts in touched)
                foreach (var dts in ts.Dependencies)
                    if (dts.ExceptionBlame != null)
                    {
                        ts.ExceptionBlame = dts.ExceptionBlame;
                        blamed.Add(ts);
                        break;
                    }

        // The first transitions, most urgent first; a big graph's are carried out in slices between other stimuli.
        var job = new GraphTransitions(client, sid, SortByPriorityDescending(runnables), blamed, touched);
        if (!job.Step(this, Config.GraphSlice))
        {
            _graphJobs.Enqueue(job);
            if (_graphJobs.Count == 1) Emit(new ContinueLater());
        }
    }

    /// <summary>
    /// Tasks that depend on a key neither the graph defines nor the scheduler knows (data lost since the client
    /// built the graph) are dropped with their dependents, and the client is told the keys are cancelled.
    /// </summary>
    private void PruneLostData(string client, PreparedGraph graph, HashSet<string> keys, bool[] removed, string sid)
    {
        int n = graph.NodeCount, tc = graph.TaskCount;
        bool Available(int d) => (d < tc && !removed[d]) || Tasks.ContainsKey(graph.KeyOf(d));
        bool Lost(int i)
        {
            foreach (var d in graph.DependenciesOf(i))
                if (!Available(d)) return true;
            return false;
        }
        List<int>[]? dependents = null;
        var check = new Stack<int>();
        for (int i = 0; i < n; i++)
        {
            if (removed[i] || !Lost(i)) continue;
            check.Push(i);
            while (check.Count > 0)
            {
                int node = check.Pop();
                if (removed[node] || !Lost(node)) continue;
                removed[node] = true;
                var k = graph.Keys[node];
                _log.LogInformation("user asked for computation on lost data, {Key}", k);
                keys.Remove(k);
                ReportCancelled(k, null, client);
                if (Clients.TryGetValue(client, out var ccs))
                {
                    var r = new Recommendations();
                    ClientReleasesKeys(ccs, [k], r);
                    Transitions(r, sid);
                }
                // What depended on it may be lost now too.
                dependents ??= Dependents(graph);
                if (dependents[node] is { } dts) foreach (var x in dts) check.Push(x);
            }
        }
    }

    private static List<int>[] Dependents(PreparedGraph graph)
    {
        var result = new List<int>[graph.NodeCount];
        for (int i = 0; i < graph.NodeCount; i++)
            foreach (var d in graph.DependenciesOf(i))
                if (d < graph.NodeCount) (result[d] ??= []).Add(i);
        return result;
    }

    /// <summary>
    /// Avoids recomputing what is already in memory (or erred), and the part of the graph only it needed: Dask's
    /// walk over dependencies, where a dependency is dropped once every task needing it is dropped.
    /// </summary>
    private void PruneComputed(PreparedGraph graph, bool[] removed)
    {
        int n = graph.NodeCount;
        var done = new HashSet<string>();
        for (int i = 0; i < n; i++)
            if (!removed[i] && graph.DepStart[i + 1] > graph.DepStart[i]
                && Tasks.TryGetValue(graph.Keys[i], out var existing) && existing.Status is TaskStatus.Memory or TaskStatus.Erred)
                done.Add(graph.Keys[i]);
        if (done.Count == 0) return;
        // Rare: work in key space, exactly as Dask does, with the graph's dependencies and dependents.
        var dependents = new Dictionary<string, HashSet<string>>();
        for (int i = 0; i < n; i++)
        {
            if (removed[i]) continue;
            foreach (var d in graph.DependenciesOf(i))
            {
                var dk = graph.KeyOf(d);
                if (!dependents.TryGetValue(dk, out var s)) dependents[dk] = s = [];
                s.Add(graph.Keys[i]);
            }
        }
        IEnumerable<string> DepsOf(string key) =>
            graph.Index.TryGetValue(key, out var i) && !removed[i] ? graph.Deps[graph.DepStart[i]..graph.DepStart[i + 1]].Select(graph.KeyOf)
            : Tasks.TryGetValue(key, out var kts) ? kts.Dependencies.Select(t => t.Key) : [];
        var stack = new Stack<string>(done);
        while (stack.Count > 0)
        {
            var key = stack.Pop();
            foreach (var dep in DepsOf(key).ToList())
            {
                IEnumerable<string> childDeps = dependents.TryGetValue(dep, out var cd) ? cd
                    : Tasks.TryGetValue(dep, out var dts) ? dts.Dependencies.Select(t => t.Key) : [];
                if (childDeps.All(done.Contains) && Tasks.ContainsKey(dep) && done.Add(dep)) stack.Push(dep);
            }
        }
        foreach (var d in done)
            if (graph.Index.TryGetValue(d, out var i)) removed[i] = true;
    }

    /// <summary>
    /// Tasks from the lowest priority to the highest (ties: the later created first). A fresh graph's priorities
    /// differ only in their dask.order position, a distinct small integer each: then a counting sort over the
    /// positions' range places them in linear time; anything else takes the comparison sort.
    /// </summary>
    private static TaskState[] SortByPriorityDescending(List<TaskState> tasks)
    {
        int count = tasks.Count;
        var result = new TaskState[count];
        if (count == 0) return result;
        var first = tasks[0].Priority!.Value;
        bool counting = first.Length == 3;
        double min = double.MaxValue, max = double.MinValue;
        for (int i = 0; counting && i < count; i++)
        {
            var p = tasks[i].Priority!.Value;
            double o = p.Length == 3 ? p[2] : -1;
            if (p.Length != 3 || p[0] != first[0] || p[1] != first[1] || o < 0 || o != Math.Floor(o)) counting = false;
            else
            {
                min = Math.Min(min, o);
                max = Math.Max(max, o);
            }
        }
        // dask.order numbers a graph's tasks 0..n-1; a sparse range (a graph pruned to a few tasks) sorts by comparison.
        if (counting && max - min < 4.0 * count)
        {
            var slots = new TaskState?[(long)(max - min) + 1];
            foreach (var ts in tasks)
            {
                ref var slot = ref slots[(long)(ts.Priority!.Value[2] - min)];
                if (slot != null) { counting = false; break; }
                slot = ts;
            }
            if (counting)
            {
                int j = 0;
                for (long o = slots.Length - 1; o >= 0; o--)
                    if (slots[o] is { } ts) result[j++] = ts;
                return result;
            }
        }
        tasks.CopyTo(result);
        Array.Sort(result, (a, b) => PriorityComparer.Instance.Compare(b, a));
        return result;
    }

    private static bool CarriesBlame(List<TaskState> tasks)
    {
        foreach (var ts in tasks)
        {
            if (ts.ExceptionBlame != null) return true;
            foreach (var dts in ts.Dependencies)
                if (dts.ExceptionBlame != null) return true;
        }
        return false;
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
                ts.Annotate(name, value);
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
        if (ts.Status == TaskStatus.Forgotten)
        {
            ReportCancelled(ts.Key, ts, client);
            return;
        }
        ClientOp? msg = ts.Status switch
        {
            TaskStatus.Memory => new KeyInMemory(ts.Key),
            TaskStatus.Erred when ts.ExceptionBlame != null => TaskErredReport(ts.Key, ts.ExceptionBlame),
            _ => null,
        };
        if (msg != null) Report(msg, ts, client);
    }
}
