using Scheduler.Core.Messages;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// replicate (and scatter with direct=True, broadcast=True, which the client turns into replicate):
// rounds of worker-to-worker copies, each round at most doubling the holders (branching factor 2).
public sealed partial class SchedulerState
{
    private const int MaxReplicateRounds = 20;
    private long _replicateRotation;

    private void StartReplicate(RpcRequest r, ReplicateRequest q)
    {
        var workers = TargetWorkers(q);
        long n = q.N is { } nn ? Math.Min(nn, workers.Count) : workers.Count;
        if (n == 0)
        {
            Emit(new Reply(r.ReplyId, new ErrorReply("ValueError: Can not use replicate to delete data")));
            return;
        }
        var tasks = q.Keys.Select(k => Tasks.GetValueOrDefault(k)).ToList();
        var missing = q.Keys.Where(k => !Tasks.TryGetValue(k, out var t) || t.WhoHas.Count == 0).ToList();
        if (missing.Count > 0)
        {
            Emit(new Reply(r.ReplyId, new PartialFail(missing)));
            return;
        }
        var deletes = new Dictionary<string, List<string>>();
        if (q.Delete)
        {
            foreach (var ts in tasks.OfType<TaskState>())
            {
                var holders = ts.WhoHas.Where(workers.Contains).OrderBy(w => w.Address, StringComparer.Ordinal).ToList();
                for (int i = (int)n; i < holders.Count; i++)
                {
                    if (!deletes.TryGetValue(holders[i].Address, out var l)) deletes[holders[i].Address] = l = [];
                    l.Add(ts.Key);
                }
            }
        }
        NextReplicateRound(r, q, 0, deletes);
    }

    private HashSet<WorkerState> TargetWorkers(ReplicateRequest q) =>
        q.Workers == null
            ? [.. Running]
            : WorkerList(q.Workers).Select(a => Workers.GetValueOrDefault(a)).OfType<WorkerState>().Where(w => w.IsRunning).ToHashSet();

    private void NextReplicateRound(RpcRequest r, ReplicateRequest q, int round, Dictionary<string, List<string>> deletes)
    {
        var workers = TargetWorkers(q);
        long n = q.N is { } nn ? Math.Min(nn, workers.Count) : workers.Count;
        long branching = q.BranchingFactor ?? 2;
        var gathers = new Dictionary<string, List<KeyHolders>>();
        var deleting = deletes.SelectMany(p => p.Value.Select(k => (p.Key, k))).ToHashSet();
        foreach (var key in q.Keys)
        {
            if (!Tasks.TryGetValue(key, out var ts) || ts.Status != TaskStatus.Memory) continue;
            var held = ts.WhoHas.Where(w => workers.Contains(w) && !deleting.Contains((w.Address, key))).ToList();
            long missingCopies = n - held.Count;
            if (missingCopies <= 0) continue;
            long count = Math.Min(missingCopies, branching * ts.WhoHas.Count);
            var candidates = workers.Where(w => !ts.WhoHas.Contains(w)).OrderBy(w => w.Address, StringComparer.Ordinal).ToList();
            int start = candidates.Count == 0 ? 0 : (int)(_replicateRotation++ % candidates.Count);
            for (int i = 0; i < count && i < candidates.Count; i++)
            {
                var target = candidates[(start + i) % candidates.Count];
                if (!gathers.TryGetValue(target.Address, out var whoHas)) gathers[target.Address] = whoHas = [];
                whoHas.Add(new KeyHolders(key, ts.WhoHas.Select(w => w.Address).ToArray()));
            }
        }
        if ((gathers.Count == 0 && deletes.Count == 0) || round >= MaxReplicateRounds)
        {
            LogEvent(["all"], new Replicated(workers.Count, q.Keys.Count));
            Emit(new Reply(r.ReplyId, null));
            return;
        }
        Emit(new ReplicateRound(r, round, deletes, gathers));
    }

    /// <summary>Replicas workers confirmed deleting (free_keys) leave the state; a key whose last copy went is released.</summary>
    private Recommendations ForgetDeletedReplicas(IReadOnlyDictionary<string, List<string>> deleted)
    {
        var recs = new Recommendations();
        foreach (var (worker, keys) in deleted)
        {
            if (!Workers.TryGetValue(worker, out var ws)) continue;
            foreach (var k in keys)
                if (Tasks.TryGetValue(k, out var ts) && ts.WhoHas.Contains(ws))
                {
                    RemoveReplica(ts, ws);
                    if (ts.WhoHas.Count == 0) recs[ts] = TaskStatus.Released;
                }
        }
        return recs;
    }

    private void OnReplicateRoundDone(ReplicateRoundDone d)
    {
        if (d.Request.Message is RebalanceRequest) { OnRebalanceRoundDone(d); return; }
        if (d.Request.Message is not ReplicateRequest q) return;
        var sid = StimulusId("replicate", Now);
        var recs = ForgetDeletedReplicas(d.Deleted);
        foreach (var (worker, keys) in d.Copied)
        {
            if (!Workers.TryGetValue(worker, out var ws)) continue;
            foreach (var k in keys)
                if (Tasks.TryGetValue(k, out var ts) && ts.Status == TaskStatus.Memory) AddReplica(ts, ws);
        }
        Transitions(recs, sid);
        NextReplicateRound(d.Request, q, d.Round + 1, []);
    }
}
