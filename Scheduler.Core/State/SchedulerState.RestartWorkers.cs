using Microsoft.Extensions.Logging;
using Scheduler.Core.Messages;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// restart_workers (Client.restart_workers, Dask 2024.12): restart some workers, keeping every key. Workers without a
// nanny are removed (a deployment system may bring them back); nannies kill their worker process, which they then
// start again; then, unless told not to, wait until as many workers as before are connected.
public sealed partial class SchedulerState
{
    private readonly List<PendingWorkerRestart> _pendingWorkerRestarts = [];

    private sealed record PendingWorkerRestart(long ReplyId, int Workers, MsgMap Outcome, Dictionary<string, string> Nannies,
        int Requested, int WithoutNanny, bool Raise, double Timeout, double Deadline);

    private void StartRestartWorkers(long replyId, RestartWorkersRequest q)
    {
        double timeout = q.Timeout ?? 30;
        bool waitForWorkers = q.WaitForWorkers;
        bool raise = q.Raise;
        var sid = q.StimulusId ?? StimulusId("restart-workers", Now);
        var requested = q.Workers == null
            ? Workers.Keys.ToList()
            : WorkerList(q.Workers).Where(Workers.ContainsKey).Distinct().ToList();
        _log.LogInformation("Restarting {Count} workers: {Workers} ({StimulusId})", requested.Count, string.Join(", ", requested), sid);
        int nWorkers = Workers.Count;
        var nannies = requested.Where(a => Workers[a].Nanny != null).ToDictionary(a => a, a => Workers[a].Nanny!);
        var outcome = new MsgMap();
        foreach (var address in requested.Where(a => !nannies.ContainsKey(a)))
        {
            _log.LogWarning("Worker {Address} does not use a nanny and will be terminated without restarting it", address);
            RemoveWorker(address, sid, close: true);
            outcome.Add(address, "removed");
        }
        var client = q.Client;

        void Finish(MsgMap replies)
        {
            // Nanny.kill answers nil; a nanny that did not (timed out, unreachable) has its worker removed.
            var bad = new List<string>();
            foreach (var (w, _) in nannies)
            {
                if (replies.TryGetValue(w, out var v) && v == null) outcome.Set(w, "OK");
                else
                {
                    bad.Add(w);
                    outcome.Set(w, "timed out");
                }
            }
            foreach (var w in bad) RemoveWorker(w, sid, close: true);
            if (bad.Count > 0 && raise)
            {
                Emit(new Reply(replyId, new ErrorReply(
                    $"TimeoutError: {bad.Count}/{nannies.Count} nanny worker(s) did not shut down within {timeout}s: {{{string.Join(", ", bad.Select(b => $"'{b}'"))}}}")));
                return;
            }
            var workers = requested.ToArray();
            if (client != null) LogEvent([client], new WorkersRestarted(workers, client, UnderClientTopic: true));
            LogEvent(["all"], new WorkersRestarted(workers, client, UnderClientTopic: false));
            if (!waitForWorkers)
            {
                Emit(new Reply(replyId, outcome));
                return;
            }
            _pendingWorkerRestarts.Add(new PendingWorkerRestart(replyId, nWorkers, outcome, nannies, requested.Count,
                requested.Count - nannies.Count, raise, timeout, Now + timeout));
            CheckPendingWorkerRestarts();
        }

        if (nannies.Count == 0) { Finish(new MsgMap()); return; }
        _rpcContinuations[replyId] = value => Finish(value as MsgMap ?? new MsgMap());
        // Each nanny has `timeout` to kill its worker (wait_for(nanny.kill(), timeout)); one that takes longer is bad.
        Emit(new BroadcastRpc(replyId, nannies.Select(p => (p.Key, p.Value)).ToList(), new NannyKill(sid, timeout), "return", null)
        {
            Timeout = timeout,
        });
    }

    /// <summary>Answers worker restarts once as many workers are connected as before, or when their time is up.</summary>
    private void CheckPendingWorkerRestarts()
    {
        for (int i = _pendingWorkerRestarts.Count - 1; i >= 0; i--)
        {
            var p = _pendingWorkerRestarts[i];
            if (Workers.Count >= p.Workers)
            {
                _pendingWorkerRestarts.RemoveAt(i);
                Emit(new Reply(p.ReplyId, p.Outcome));
            }
            else if (Now > p.Deadline)
            {
                _pendingWorkerRestarts.RemoveAt(i);
                var msg = $"Waited for {p.Requested} worker(s) to reconnect after restarting but, after {p.Timeout}s, " +
                          $"{p.Workers - Workers.Count} have not returned. Consider a longer timeout, or `wait_for_workers=False`.";
                if (p.WithoutNanny > 0)
                    msg += $" The {p.WithoutNanny} worker(s) not using Nannies were just shut down instead of restarted " +
                           "(restart is only possible with Nannies). If your deployment system does not automatically re-launch " +
                           "terminated processes, then those workers will never come back, and `Client.restart` will always time out. " +
                           "Do not use `Client.restart` in that case.";
                if (p.Raise)
                {
                    Emit(new Reply(p.ReplyId, new ErrorReply("TimeoutError: " + msg)));
                    continue;
                }
                _log.LogError("{Message}", msg);
                var current = Workers.Values.Select(w => w.Nanny).OfType<string>().ToHashSet();
                foreach (var (worker, nanny) in p.Nannies)
                    if (!current.Contains(nanny)) p.Outcome.Set(worker, "timed out");
                Emit(new Reply(p.ReplyId, p.Outcome));
            }
        }
    }
}
