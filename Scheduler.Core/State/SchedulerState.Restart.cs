using Microsoft.Extensions.Logging;
using Scheduler.Core.Messages;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// restart (Client.restart): release every key, tell clients, close workers without a nanny, have nannies kill
// (and so restart) their worker processes, then wait until as many workers are back (Dask's Scheduler.restart).
public sealed partial class SchedulerState
{
    private readonly List<PendingRestart> _pendingRestarts = [];

    private sealed record PendingRestart(long ReplyId, int Workers, HashSet<string> OldWorkers, double Timeout, double Deadline, bool HasNonNannyWorkers);

    private void StartRestart(long replyId, RestartRequest q)
    {
        double timeout = q.Timeout ?? 30;
        bool waitForWorkers = q.WaitForWorkers;
        var sid = StimulusId("restart", Now);
        _log.LogInformation("Restarting workers and releasing all keys.");
        foreach (var cs in Clients.Values.ToList())
        {
            var recs = new Recommendations();
            ClientReleasesKeys(cs, cs.WantsWhat.Select(t => t.Key).ToList(), recs);
            Transitions(recs, sid);
        }
        Unrunnable.Clear();
        Report(ClusterRestarting.Instance, null);

        int nWorkers = Workers.Count;
        var nannies = Workers.Values.Where(ws => ws.Nanny != null).ToDictionary(ws => ws.Address, ws => ws.Nanny!);
        foreach (var address in Workers.Keys.Where(a => !nannies.ContainsKey(a)).ToList())
            RemoveWorker(address, sid, close: true);
        var client = q.Client;
        var pending = new PendingRestart(replyId, nWorkers, [.. nannies.Keys], timeout, Now + timeout, nannies.Count < nWorkers);

        void Finish(MsgMap replies)
        {
            // Nanny.kill answers nil; a nanny that failed (an error instead) has its worker removed, and the restart fails.
            var bad = nannies.Keys.Where(w => !replies.TryGetValue(w, out var v) || v != null).ToList();
            foreach (var w in bad) RemoveWorker(w, sid, close: true);
            if (bad.Count > 0)
            {
                Emit(new Reply(replyId, new ErrorReply($"TimeoutError: {bad.Count}/{nannies.Count} nanny worker(s) did not shut down within {timeout}s")));
                return;
            }
            LogEvent(client != null ? [client, "all"] : ["all"], new ClusterRestarted(client));
            if (!waitForWorkers) { Emit(new Reply(replyId, null)); return; }
            _pendingRestarts.Add(pending);
            CheckPendingRestarts();
        }

        if (nannies.Count == 0) { Finish(new MsgMap()); return; }
        _rpcContinuations[replyId] = value => Finish(value as MsgMap ?? new MsgMap());
        Emit(new BroadcastRpc(replyId, nannies.Select(p => (p.Key, p.Value)).ToList(), new NannyKill("scheduler-restart", timeout), "return", null));
    }

    /// <summary>Answers restarts whose workers are back (every old one gone, as many as before), or whose time is up.</summary>
    private void CheckPendingRestarts()
    {
        for (int i = _pendingRestarts.Count - 1; i >= 0; i--)
        {
            var p = _pendingRestarts[i];
            if (Workers.Count >= p.Workers && !p.OldWorkers.Any(Workers.ContainsKey))
            {
                _pendingRestarts.RemoveAt(i);
                _log.LogInformation("Restarting finished.");
                Emit(new Reply(p.ReplyId, null));
            }
            else if (Now > p.Deadline)
            {
                _pendingRestarts.RemoveAt(i);
                var msg = $"Waited for {p.Workers} worker(s) to reconnect after restarting, but after {p.Timeout}s, " +
                          $"only {Workers.Count} have returned. Consider a longer timeout, or `wait_for_workers=False`.";
                if (p.HasNonNannyWorkers)
                    msg += " The worker(s) not using Nannies were just shut down instead of restarted (restart is only possible with Nannies).";
                Emit(new Reply(p.ReplyId, new ErrorReply("TimeoutError: " + msg)));
            }
        }
    }
}
