using Scheduler.Core.Messages;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// rebalance: move keys from workers above the mean memory to workers below it (Dask's Scheduler.rebalance).
// The transfers reuse replicate's rounds: round 0 copies each key to its recipient (the worker gather RPC),
// round 1 drops it from its sender, only where the copy succeeded.
public sealed partial class SchedulerState
{
    private readonly Dictionary<long, RebalancePlan> _rebalances = [];

    /// <summary>A rebalance in flight, by the reply id of its request.</summary>
    private sealed class RebalancePlan(bool keysGiven, List<(WorkerState Sender, WorkerState Recipient, TaskState Task)> moves)
    {
        public bool KeysGiven { get; } = keysGiven;
        public List<(WorkerState Sender, WorkerState Recipient, TaskState Task)> Moves { get; set; } = moves;
        public HashSet<string> Failed { get; } = [];
    }

    private void StartRebalance(RpcRequest r, RebalanceRequest q)
    {
        List<WorkerState> workers;
        if (q.Workers != null)
        {
            workers = [];
            foreach (var w in q.Workers)
            {
                var address = w == null ? null : CoerceAddress(w) ?? w as string;
                if (address == null || !Workers.TryGetValue(address, out var ws))
                {
                    Emit(new Reply(r.ReplyId, new ErrorReply($"KeyError: {MsgDebug.Format(w)}")));
                    return;
                }
                workers.Add(ws);
            }
        }
        else workers = [.. Workers.Values];
        HashSet<string>? keys = null;
        if (q.Keys != null)
        {
            keys = [.. q.Keys];
            if (keys.Count == 0) { Emit(new Reply(r.ReplyId, OkReply.Instance)); return; }
            var missing = keys.Where(k => !Tasks.TryGetValue(k, out var t) || t.WhoHas.Count == 0).ToList();
            if (missing.Count > 0)
            {
                Emit(new Reply(r.ReplyId, new PartialFail(missing)));
                return;
            }
        }
        if (workers.Count == 0) { Emit(new Reply(r.ReplyId, OkReply.Instance)); return; }

        var moves = RebalanceFindMoves(keys, workers);
        if (moves.Count == 0) { Emit(new Reply(r.ReplyId, OkReply.Instance)); return; }
        _rebalances[r.ReplyId] = new RebalancePlan(keys != null, moves);
        var gathers = new Dictionary<string, List<KeyHolders>>();
        foreach (var (sender, recipient, ts) in moves)
        {
            if (!gathers.TryGetValue(recipient.Address, out var whoHas)) gathers[recipient.Address] = whoHas = [];
            whoHas.Add(new KeyHolders(ts.Key, [sender.Address]));
        }
        Emit(new ReplicateRound(r, 0, new Dictionary<string, List<string>>(), gathers));
    }

    /// <summary>
    /// Dask's _rebalance_find_msgs: senders (above the mean by more than half the gap, and above sender-min) give
    /// their least recently added keys to the recipient farthest below the mean that has room and no copy, until
    /// either side is within half the gap of the mean. Both sides are max-heaps on how far they are from the mean.
    /// </summary>
    private List<(WorkerState, WorkerState, TaskState)> RebalanceFindMoves(HashSet<string>? keys, List<WorkerState> workers)
    {
        var moves = new List<(WorkerState, WorkerState, TaskState)>();
        var measure = Config.RebalanceMeasure;
        var memory = workers.Select(ws => (ws, Memory: ws.Memory.Measure(measure) ?? ws.Memory.Optimistic)).ToList();
        long mean = memory.Sum(x => x.Memory) / memory.Count;
        // Elements: (bytes still to move (negative: farthest first), bytes after which to stop (negative), tie-break).
        var senders = new PriorityQueue<(WorkerState Ws, IEnumerator<TaskState> Tasks), (long Max, long Min, long Tie)>();
        var recipients = new PriorityQueue<WorkerState, (long Max, long Min, long Tie)>();
        long tie = 0;
        foreach (var (ws, wsMemory) in memory)
        {
            long halfGap = 0;
            double senderMin = 0, recipientMax = double.PositiveInfinity;
            if (ws.MemoryLimit > 0)
            {
                halfGap = (long)(Config.RebalanceHalfGap * ws.MemoryLimit);
                senderMin = Config.RebalanceSenderMin * ws.MemoryLimit;
                recipientMax = Config.RebalanceRecipientMax * ws.MemoryLimit;
            }
            if (ws.HasWhat.Count > 0 && wsMemory >= mean + halfGap && wsMemory >= senderMin)
            {
                long max = mean - wsMemory;
                senders.Enqueue((ws, ws.HasWhat.ToList().GetEnumerator()), (max, max + halfGap, tie++));
            }
            else if (wsMemory < mean - halfGap && wsMemory < recipientMax)
            {
                long max = wsMemory - mean;
                recipients.Enqueue(ws, (max, max + halfGap, tie++));
            }
        }
        if (senders.Count == 0 || recipients.Count == 0)
        {
            LogEvent(["all"], new RebalanceIdle(senders.Count, recipients.Count));
            return moves;
        }

        while (senders.Count > 0 && recipients.Count > 0)
        {
            senders.TryPeek(out var sender, out var sp);
            var (sndMax, sndMin, sndTie) = sp;
            bool moved = false;
            while (sender.Tasks.MoveNext())
            {
                var ts = sender.Tasks.Current;
                if (keys != null && !keys.Contains(ts.Key)) continue;
                long nbytes = GetNbytes(ts);
                // Moving it would take the sender below the mean (and maybe make it a recipient): try the next key.
                if (nbytes + sndMax > 0) continue;
                var skipped = new List<(WorkerState, (long, long, long))>();
                WorkerState? recipient = null;
                (long Max, long Min, long Tie) rp = default;
                while (recipients.TryPeek(out var candidate, out var cp))
                {
                    if (nbytes + cp.Max > 0) break; // the rest are closer to the mean still
                    if (!ts.WhoHas.Contains(candidate)) { recipient = candidate; rp = cp; break; }
                    skipped.Add((recipients.Dequeue(), cp));
                }
                foreach (var (ws, p) in skipped) recipients.Enqueue(ws, p);
                if (recipient == null) continue; // nowhere to put it: the key stays

                moves.Add((sender.Ws, recipient, ts));
                sndMax += nbytes;
                sndMin += nbytes;
                senders.Dequeue();
                if (sndMin < 0) senders.Enqueue(sender, (sndMax, sndMin, sndTie));
                recipients.Dequeue();
                if (rp.Min + nbytes < 0) recipients.Enqueue(recipient, (rp.Max + nbytes, rp.Min + nbytes, rp.Tie));
                moved = true;
                break;
            }
            if (!moved) senders.Dequeue(); // this sender has nothing more that can move
        }
        return moves;
    }

    /// <summary>A rebalance transfer round finished: after the copies, drop the moved keys from their senders.</summary>
    private void OnRebalanceRoundDone(ReplicateRoundDone d)
    {
        var sid = StimulusId("rebalance", Now);
        if (!_rebalances.TryGetValue(d.Request.ReplyId, out var plan)) return;
        if (d.Round == 0)
        {
            var failed = plan.Failed;
            var deletes = new Dictionary<string, List<string>>();
            foreach (var (sender, recipient, ts) in plan.Moves)
            {
                bool copied = d.Copied.TryGetValue(recipient.Address, out var ok) && ok.Contains(ts.Key);
                if (!copied) { failed.Add(ts.Key); continue; }
                if (Workers.ContainsKey(recipient.Address) && ts.Status == TaskStatus.Memory) AddReplica(ts, recipient);
                if (!deletes.TryGetValue(sender.Address, out var l)) deletes[sender.Address] = l = [];
                l.Add(ts.Key);
            }
            plan.Moves = plan.Moves.Where(mv => !failed.Contains(mv.Task.Key)).ToList();
            Emit(new ReplicateRound(d.Request, 1, deletes, new Dictionary<string, List<KeyHolders>>()));
            return;
        }
        _rebalances.Remove(d.Request.ReplyId);
        var missing = plan.Failed;
        Transitions(ForgetDeletedReplicas(d.Deleted), sid);
        foreach (var g in plan.Moves.GroupBy(mv => mv.Recipient.Address))
            LogEvent([g.Key], new RebalanceReceived(g.Select(mv => new KeyHolders(mv.Task.Key, [mv.Sender.Address])).ToList()));
        LogEvent(["all"], new Rebalanced(plan.Moves.Count));
        Emit(new Reply(d.Request.ReplyId, missing is { Count: > 0 } && plan.KeysGiven
            ? new PartialFail([.. missing])
            : OkReply.Instance));
    }
}
