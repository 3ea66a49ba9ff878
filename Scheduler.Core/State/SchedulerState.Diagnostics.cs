using Scheduler.Core.Messages;
using Scheduler.Core.Diagnostics;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Pickle;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// Diagnostics answered by asking the workers and combining their replies natively: call_stack, profile,
// benchmark_hardware. The host runs the RPCs (BroadcastRpc); its answer comes back as RpcCompleted and, for
// these ops, goes through a continuation here instead of straight to the requester.
public sealed partial class SchedulerState
{
    private readonly Dictionary<long, Action<object?>> _rpcContinuations = [];

    private void OnRpcCompleted(RpcCompleted rc)
    {
        if (_rpcContinuations.Remove(rc.ReplyId, out var next)) next(rc.Value);
        else Emit(new Reply(rc.ReplyId, rc.Value));
    }

    /// <summary>Asks each worker with its own message; <paramref name="then"/> gets {worker: reply} (failed workers left out).</summary>
    private void AskWorkers(long replyId, IReadOnlyDictionary<string, WorkerRpc> messages, Action<MsgMap> then)
    {
        var targets = messages.Keys.Where(Workers.ContainsKey).Select(w => (w, w)).ToList();
        if (targets.Count == 0) { then(new MsgMap()); return; }
        _rpcContinuations[replyId] = value => then(value as MsgMap ?? new MsgMap());
        Emit(new BroadcastRpc(replyId, targets, Message: null, "ignore", null) { PerWorker = messages });
    }

    /// <summary>
    /// Dask's get_call_stack: for named keys, the workers processing them (or what they wait on); otherwise every
    /// worker. Workers with nothing running are left out of the answer.
    /// </summary>
    private void StartCallStack(long replyId, CallStackRequest q)
    {
        var messages = new Dictionary<string, WorkerRpc>();
        if (q.Keys != null)
        {
            var stack = new Stack<string>(q.Keys);
            var byWorker = new Dictionary<string, List<string>>();
            var seen = new HashSet<string>();
            while (stack.Count > 0)
            {
                var key = stack.Pop();
                if (!seen.Add(key)) continue;
                if (!Tasks.TryGetValue(key, out var ts))
                {
                    Emit(new Reply(replyId, new ErrorReply($"KeyError: {PyRepr.Repr(key)}")));
                    return;
                }
                if (ts.Status == TaskStatus.Waiting) foreach (var d in ts.Dependencies) stack.Push(d.Key);
                else if (ts.Status == TaskStatus.Processing && ts.ProcessingOn != null)
                {
                    if (!byWorker.TryGetValue(ts.ProcessingOn.Address, out var l)) byWorker[ts.ProcessingOn.Address] = l = [];
                    l.Add(key);
                }
            }
            foreach (var (w, keys) in byWorker) messages[w] = new GetCallStack(keys);
        }
        else
        {
            var everything = new GetCallStack(Keys: null);
            foreach (var w in Workers.Keys) messages[w] = everything;
        }
        AskWorkers(replyId, messages, replies =>
        {
            var result = new MsgMap();
            foreach (var (w, v) in replies)
                if (v is MsgMap { Count: > 0 } || v is IList<object?> { Count: > 0 }) result.Add(w, v);
            Emit(new Reply(replyId, result));
        });
    }

    /// <summary>Dask's get_profile: each worker's profile tree for the period, merged (or per worker).</summary>
    private void StartProfile(long replyId, ProfileRequest q)
    {
        if (q.Scheduler) { Emit(new Reply(replyId, ProfileTree.Empty())); return; }
        var workers = q.Workers == null ? Workers.Keys.ToList() : WorkerList(q.Workers).Where(Workers.ContainsKey).Distinct().ToList();
        var profile = new GetProfile(q.Start, q.Stop, q.Key, q.Server);
        var messages = workers.ToDictionary(w => w, WorkerRpc (_) => profile);
        AskWorkers(replyId, messages, replies =>
        {
            if (!q.MergeWorkers) { Emit(new Reply(replyId, replies)); return; }
            var trees = replies.Select(p => p.Value).OfType<MsgMap>().ToList();
            Emit(new Reply(replyId, ProfileTree.Merge(trees)));
        });
    }

    /// <summary>
    /// Dask's benchmark_hardware: disk and memory benchmarks on every worker, then network benchmarks between
    /// pairs of workers; the durations per size averaged over workers.
    /// </summary>
    private void StartBenchmarkHardware(long replyId)
    {
        // Per benchmark, the durations each size took on the workers, sizes in first-seen order.
        Dictionary<string, List<double>> disk = [], memory = [], network = [];
        static void Collect(Dictionary<string, List<double>> results, MsgMap replies)
        {
            foreach (var (_, v) in replies)
                if (v is MsgMap sizes)
                    foreach (var (size, duration) in sizes)
                        if (size is string s && MsgValues.AsDouble(duration) is { } d)
                        {
                            if (!results.TryGetValue(s, out var l)) results[s] = l = [];
                            l.Add(d);
                        }
        }
        static IReadOnlyList<SizeDuration> Averaged(Dictionary<string, List<double>> results) =>
            results.Select(p => new SizeDuration(p.Key, p.Value.Average())).ToList();
        var all = Workers.Keys.ToList();
        AskWorkers(replyId, all.ToDictionary(w => w, WorkerRpc (_) => BenchmarkDisk.Instance), diskReplies =>
        {
            Collect(disk, diskReplies);
            AskWorkers(replyId, all.ToDictionary(w => w, WorkerRpc (_) => BenchmarkMemory.Instance), memoryReplies =>
            {
                Collect(memory, memoryReplies);
                // Pairs in worker order (Dask shuffles them; any pairing measures the same links here).
                var pairs = new Dictionary<string, WorkerRpc>();
                for (int i = 0; i + 1 < all.Count; i += 2)
                    pairs[all[i]] = new BenchmarkNetwork(all[i + 1]);
                AskWorkers(replyId, pairs, networkReplies =>
                {
                    Collect(network, networkReplies);
                    Emit(new Reply(replyId, new HardwareBenchmark(Averaged(disk), Averaged(memory), Averaged(network))));
                });
            });
        });
    }
}
