using Scheduler.Core.Protocol;
using Scheduler.Core.State;
using TaskStatus = Scheduler.Core.State.TaskStatus;

namespace Scheduler.Core.Views;

/// <summary>
/// Read models of the scheduler's state, built on the scheduler's thread (through a StateQuery) and handed to
/// the REST API, the dashboard and the metrics as immutable records: no state object leaves the actor.
/// </summary>
public static class StateViews
{
    public static readonly IReadOnlyList<TaskStatus> AllStates = Enum.GetValues<TaskStatus>();

    public static ClusterSummary Summary(SchedulerState s)
    {
        var byState = new Dictionary<string, int>();
        foreach (var st in AllStates) byState[st.Wire()] = 0;
        foreach (var g in s.Groups.Values)
            foreach (var st in AllStates)
                if (st != TaskStatus.Forgotten) byState[st.Wire()] += g.CountIn(st);
        return new ClusterSummary(s.Identity.Id, s.Identity.Address, s.Identity.Started, s.Now, s.Workers.Count, s.TotalNThreads,
            s.Workers.Values.Sum(w => w.MemoryLimit), s.Workers.Values.Sum(w => w.Nbytes),
            s.Clients.Keys.Count(k => k != SchedulerState.FireAndForget), s.Tasks.Count, byState,
            s.ActiveComputations.Count, VersionWaits(s));
    }

    private static List<VersionWait> VersionWaits(SchedulerState s)
    {
        var waiting = s.WaitingForDialect();
        if (waiting.Count == 0) return [];
        var spoken = s.Running.Select(w => w.Dialect.Name).Distinct().Order(StringComparer.Ordinal).ToList();
        return waiting.Select(w => new VersionWait(w.Dialect.Name, w.Tasks, spoken)).ToList();
    }

    public static WorkerView Worker(WorkerState w) => new(
        w.Address, w.Name?.ToString(), w.Status, w.NThreads, w.MemoryLimit, w.Nbytes, MsgValues.AsLong(w.Metrics?["memory"]),
        MsgValues.AsDouble(w.Metrics?["cpu"]), w.Processing.Count, w.HasWhat.Count, w.Occupancy, w.LastSeen, w.Nanny);

    public static List<WorkerView> Workers(SchedulerState s) => s.Workers.Values.Select(Worker).ToList();

    public static TaskView Task(TaskState t) => new(
        t.Key, t.Status.Wire(), t.Prefix.Name, t.Group.Name, t.ProcessingOn?.Address, t.WhoHas.Select(w => w.Address).ToList(),
        t.Nbytes, t.Dependencies.Count, t.Dependents.Count, t.ExceptionText ?? t.ExceptionBlame?.ExceptionText, t.Actor);

    /// <summary>
    /// Tasks matching every given filter, in key order, one page of them. This runs on the scheduler's thread, so
    /// it never sorts the whole graph: only the first page * pageSize keys are kept (a bounded max-heap), which on a
    /// 100k-task graph costs one pass over the tasks.
    /// </summary>
    public static Page<TaskView> Tasks(SchedulerState s, TaskStatus? state, string? prefix, string? group, int page, int pageSize)
    {
        int skip = (int)Math.Min(int.MaxValue, (long)(page - 1) * pageSize);
        int keep = (int)Math.Min(int.MaxValue, (long)skip + pageSize);
        var largestFirst = new PriorityQueue<TaskState, string>(Comparer<string>.Create((a, b) => string.CompareOrdinal(b, a)));
        int total = 0;
        foreach (var t in s.Tasks.Values)
        {
            if ((state != null && t.Status != state) || (prefix != null && t.Prefix.Name != prefix) || (group != null && t.Group.Name != group))
                continue;
            total++;
            if (largestFirst.Count < keep) largestFirst.Enqueue(t, t.Key);
            else if (string.CompareOrdinal(t.Key, largestFirst.Peek().Key) < 0) largestFirst.EnqueueDequeue(t, t.Key);
        }
        var kept = new List<TaskState>(largestFirst.Count);
        while (largestFirst.TryDequeue(out var t, out _)) kept.Add(t);
        kept.Reverse();
        var items = kept.Skip(skip).Select(Task).ToList();
        return new Page<TaskView>(items, page, pageSize, total);
    }

    /// <summary>One task with its neighbours and story; null if the scheduler does not know the key.</summary>
    public static TaskDetail? TaskDetail(SchedulerState s, string key)
    {
        if (!s.Tasks.TryGetValue(key, out var t)) return null;
        static TaskRef Ref(TaskState d) => new(d.Key, d.Status.Wire());
        var story = s.TransitionLog.Story(new HashSet<string> { key })
            .Select(r => new StoryEntry(r.Key, r.Start.Wire(), r.Finish.Wire(),
                r.Recommendations.GroupBy(x => x.Key).ToDictionary(g => g.Key, g => g.Last().Status.Wire()), r.StimulusId, r.Time))
            .ToList();
        return new TaskDetail(Task(t), t.Dependencies.Select(Ref).ToList(), t.Dependents.Select(Ref).ToList(),
            t.WhoWants.Select(c => c.Id).ToList(), t.Retries, t.TracebackText, story);
    }

    public static List<GroupView> Groups(SchedulerState s) => s.Groups.Values
        .Where(g => !g.AllForgotten)
        .Select(g => new GroupView(g.Name, g.Prefix.Name, g.Count,
            AllStates.Where(st => g.CountIn(st) > 0).ToDictionary(st => st.Wire(), g.CountIn)))
        .ToList();

    public static List<ClientView> Clients(SchedulerState s) =>
        s.Clients.Values.Select(c => new ClientView(c.Id, c.Connected, c.WantsWhat.Count, c.LastSeen)).ToList();

    public static List<ComputationView> Computations(SchedulerState s) => s.ActiveComputations.Values
        .Select(c => new ComputationView(c.Id, c.Client, c.Start, c.Total, c.Memory, c.Erred, c.Cancelled, c.Remaining))
        .ToList();

    /// <summary>
    /// Task stream bars recorded after <paramref name="afterSequence"/>, at most about <paramref name="max"/> of the newest:
    /// only the records that can contribute are read (a record has one bar per start/stop, usually one).
    /// </summary>
    public static List<TaskStreamBar> TaskStreamSince(SchedulerState s, long afterSequence, int max)
    {
        var stream = s.TaskStream;
        long from = max >= stream.Total ? afterSequence : Math.Max(afterSequence, stream.Total - max);
        var bars = new List<TaskStreamBar>();
        foreach (var (seq, record) in stream.After(from))
        {
            var prefix = TaskKeys.KeySplit(record.Key);
            foreach (var ss in record.StartStops)
            {
                if (ss.Start is not { } a || ss.Stop is not { } b) continue;
                bars.Add(new TaskStreamBar(seq, record.Key, prefix, record.Worker, MsgValues.AsLong(record.Report["thread"]) ?? 0,
                    ss.Action ?? "compute", a, b, record.Report["status"] as string ?? "OK"));
            }
        }
        return bars.Count > max ? bars.GetRange(bars.Count - max, max) : bars;
    }
}
