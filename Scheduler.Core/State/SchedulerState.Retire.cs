using Microsoft.Extensions.Logging;
using Scheduler.Core.Messages;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// retire_workers (Client.retire_workers, adaptive scaling down): each worker goes to closing_gracefully, every
// key only it holds is copied to a running worker (acquire-replicas, as Dask's RetireWorker AMM policy asks),
// and only then is the worker removed (and closed if asked). With nowhere to copy to, retirement is abandoned
// and the worker goes back to what it was doing.
public sealed partial class SchedulerState
{
    private const double ReplicaRequestTimeout = 2.0; // Dask's ad-hoc AMM runs every 2 s
    private const double RetireCheckInterval = 0.05;

    private sealed class Retirement(WorkerState worker, string previousStatus)
    {
        public WorkerState Worker { get; } = worker;
        public string PreviousStatus { get; } = previousStatus;
        /// <summary>Unique keys asked to be copied: to which worker, and when.</summary>
        public Dictionary<TaskState, (WorkerState To, double At)> Requested { get; } = [];
        public bool Done { get; set; }
        public WorkerIdentityInfo? Identity { get; set; }
    }

    private sealed record RetireRequest(long ReplyId, List<Retirement> Workers, bool Close, bool Remove, string StimulusId);

    private readonly List<RetireRequest> _retiring = [];
    private double _nextRetireCheck;

    private void StartRetireWorkers(long replyId, RetireWorkersRequest q)
    {
        var sid = q.StimulusId ?? StimulusId("retire-workers", Now);
        List<WorkerState> workers;
        if (q.Names != null)
        {
            var names = q.Names.ToHashSet(MsgValueComparer.Instance);
            workers = Workers.Values.Where(ws => ws.Name != null && names.Contains(ws.Name)).ToList();
        }
        else if (q.Workers != null)
            workers = WorkerList(q.Workers).Select(a => Workers.GetValueOrDefault(a)).OfType<WorkerState>().Distinct().ToList();
        else
            workers = WorkersToClose(q.Criteria);
        // Workers already being retired by another request are not retired twice.
        workers = workers.Where(ws => !_retiring.Any(q => q.Workers.Any(x => x.Worker == ws))).ToList();
        if (workers.Count == 0) { Emit(new Reply(replyId, new RetiredWorkers([]))); return; }

        var request = new RetireRequest(replyId, [], q.CloseWorkers, q.Remove, sid);
        foreach (var ws in workers)
        {
            _log.LogInformation("Retiring worker {Address}", ws.Address);
            request.Workers.Add(new Retirement(ws, ws.Status));
            ws.Status = "closing_gracefully";
            Running.Remove(ws);
            SendToWorker(ws, new SetWorkerStatus("closing_gracefully", sid));
        }
        _retiring.Add(request);
        AdvanceRetirements(force: true);
    }

    /// <summary>Moves retirements forward: copies unique keys away, then removes the workers whose data is safe.</summary>
    private void AdvanceRetirements(bool force = false)
    {
        if (!force && Now < _nextRetireCheck) return;
        _nextRetireCheck = Now + RetireCheckInterval;
        for (int i = _retiring.Count - 1; i >= 0; i--)
        {
            var request = _retiring[i];
            foreach (var retirement in request.Workers.Where(x => !x.Done)) AdvanceRetirement(request, retirement);
            if (request.Workers.Any(x => !x.Done)) continue;
            _retiring.RemoveAt(i);
            var retired = request.Workers.Select(x => x.Identity).OfType<WorkerIdentityInfo>().ToList();
            LogEvent(["all"], new WorkersRetired(retired));
            if (retired.Count > 0) LogEvent(retired.Select(w => w.Address).ToList(), WorkerRetired.Instance);
            Emit(new Reply(request.ReplyId, new RetiredWorkers(retired)));
        }
    }

    private void AdvanceRetirement(RetireRequest request, Retirement retirement)
    {
        var ws = retirement.Worker;
        if (!Workers.TryGetValue(ws.Address, out var current) || current != ws)
        {
            // It left on its own meanwhile: retired.
            retirement.Identity = WorkerIdentity(ws);
            retirement.Done = true;
            return;
        }
        var unique = ws.HasWhat.Where(ts => ts.WhoHas.Count == 1 && !ts.Actor).ToList();
        if (ws.Actors.Count > 0 || (unique.Count > 0 && Running.Count == 0))
        {
            _log.LogWarning("Tried retiring worker {Address}, but its data cannot be moved (no running worker to take it{Actors}); the worker will not be retired",
                ws.Address, ws.Actors.Count > 0 ? ", or it holds actors" : "");
            SendToWorker(ws, new SetWorkerStatus(retirement.PreviousStatus, request.StimulusId));
            retirement.Done = true;
            return;
        }
        if (unique.Count == 0)
        {
            retirement.Identity = WorkerIdentity(ws);
            if (request.Remove) RemoveWorker(ws.Address, request.StimulusId, close: request.Close, safe: true);
            else if (request.Close)
            {
                SendToWorker(ws, new CloseWorker("retire-workers"));
                Emit(new CloseWorkerStream(ws.Address));
            }
            _log.LogInformation("Retired worker {Address}", ws.Address);
            retirement.Done = true;
            return;
        }
        // Ask running workers to copy what only this one holds (again, if an earlier request went nowhere).
        var byRecipient = new Dictionary<WorkerState, List<KeyReplicas>>();
        foreach (var ts in unique)
        {
            if (retirement.Requested.TryGetValue(ts, out var asked) && asked.To.IsRunning && Now - asked.At < ReplicaRequestTimeout) continue;
            WorkerState? to = null;
            foreach (var candidate in Running.OrderBy(w => w.Address, StringComparer.Ordinal))
                if (!ts.WhoHas.Contains(candidate) && (to == null || candidate.Nbytes < to.Nbytes)) to = candidate;
            if (to == null) continue;
            retirement.Requested[ts] = (to, Now);
            if (!byRecipient.TryGetValue(to, out var batch)) byRecipient[to] = batch = [];
            batch.Add(new KeyReplicas(ts.Key, [ws.Address], GetNbytes(ts)));
        }
        foreach (var (to, batch) in byRecipient) SendToWorker(to, new AcquireReplicas(batch, request.StimulusId));
    }
}
