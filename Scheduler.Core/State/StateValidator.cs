namespace Scheduler.Core.State;

/// <summary>
/// The invariants of Dask's validate_state(), checked after every stimulus when
/// distributed.scheduler.validate is on (tests and the peer-test harness turn it on).
/// </summary>
public static class StateValidator
{
    public static void Validate(SchedulerState s)
    {
        foreach (var (key, ts) in s.Tasks)
        {
            Check(ts.Key == key, ts, "is filed under another key");
            Check(ts.Status != TaskStatus.Forgotten, ts, "is forgotten but still in the task table");
            Check(ts.WaitingOn.IsSubsetOf(ts.Dependencies), ts, "waits on a task that is not a dependency");
            Check(ts.Waiters.IsSubsetOf(ts.Dependents), ts, "has a waiter that is not a dependent");
            foreach (var dts in ts.WaitingOn) Check(dts.WhoHas.Count == 0, ts, $"waits on {dts.Key}, which is in memory");
            foreach (var dts in ts.Dependencies) Check(dts.Dependents.Contains(ts), ts, $"is not a dependent of its dependency {dts.Key}");
            foreach (var cs in ts.WhoWants) Check(cs.WantsWhat.Contains(ts), ts, $"is wanted by {cs.Id}, which does not list it");
            foreach (var ws in ts.WhoHas) Check(ws.HasWhat.Contains(ts), ts, $"is held by {ws.Address}, which does not list it");
            Check(ts.Queued(s) == (ts.Status == TaskStatus.Queued), ts, "queued set and state disagree");
            Check(s.Unrunnable.Contains(ts) == (ts.Status == TaskStatus.NoWorker), ts, "no-worker set and state disagree");
            switch (ts.Status)
            {
                case TaskStatus.Released:
                    Check(ts.WaitingOn.Count == 0 && ts.WhoHas.Count == 0 && ts.ProcessingOn == null, ts, "released but waiting, held or processing");
                    break;
                case TaskStatus.Waiting:
                    Check(ts.WaitingOn.Count > 0, ts, "waiting on nothing");
                    Check(ts.WhoHas.Count == 0 && ts.ProcessingOn == null, ts, "waiting but held or processing");
                    foreach (var dts in ts.Dependencies)
                    {
                        Check((dts.WhoHas.Count > 0) != ts.WaitingOn.Contains(dts), ts, $"waiting_on disagrees with who_has of {dts.Key}");
                        Check(dts.Waiters.Contains(ts), ts, $"not a waiter of {dts.Key}");
                    }
                    break;
                case TaskStatus.Queued:
                case TaskStatus.NoWorker:
                case TaskStatus.Processing:
                    Check(ts.WaitingOn.Count == 0 && ts.WhoHas.Count == 0, ts, "ready but waiting or held");
                    foreach (var dts in ts.Dependencies) Check(dts.WhoHas.Count > 0, ts, $"ready but dependency {dts.Key} is not in memory");
                    if (ts.Status == TaskStatus.Processing)
                    {
                        Check(ts.ProcessingOn != null && ts.ProcessingOn.Processing.ContainsKey(ts), ts, "processing on a worker that does not list it");
                        foreach (var dts in ts.Dependencies) Check(dts.Waiters.Contains(ts), ts, $"not a waiter of {dts.Key}");
                    }
                    else Check(ts.ProcessingOn == null, ts, "not processing but assigned");
                    break;
                case TaskStatus.Memory:
                    Check(ts.WhoHas.Count > 0, ts, "in memory on no worker");
                    Check(ts.ProcessingOn == null && ts.WaitingOn.Count == 0, ts, "in memory but processing or waiting");
                    foreach (var dts in ts.Dependents)
                    {
                        bool needs = dts.Status is TaskStatus.Waiting or TaskStatus.Queued or TaskStatus.Processing or TaskStatus.NoWorker;
                        Check(ts.Waiters.Contains(dts) == needs, ts, $"waiters disagree with the state of {dts.Key}");
                        Check(!dts.WaitingOn.Contains(ts), ts, $"{dts.Key} waits on it while it is in memory");
                    }
                    break;
                case TaskStatus.Erred:
                    Check(ts.ExceptionBlame != null && ts.WhoHas.Count == 0, ts, "erred without blame, or held");
                    break;
            }
        }
        foreach (var (addr, ws) in s.Workers)
        {
            Check(ws.Address == addr, ws, "filed under another address");
            Check(ws.IsRunning == s.Running.Contains(ws), ws, "running set and status disagree");
            Check(ws.LongRunning.IsSubsetOf(ws.Processing.Keys), ws, "long-running task not processing");
            foreach (var ts in ws.Processing.Keys) Check(ts.ProcessingOn == ws && ts.Status == TaskStatus.Processing, ws, $"lists {ts.Key} as processing");
            long nbytes = 0;
            foreach (var ts in ws.HasWhat)
            {
                Check(ts.WhoHas.Contains(ws), ws, $"holds {ts.Key}, which does not list it");
                nbytes += Math.Max(ts.Nbytes, 0);
            }
            Check(nbytes == ws.Nbytes, ws, $"nbytes {ws.Nbytes} != sum of replicas {nbytes}");
        }
        foreach (var (id, cs) in s.Clients)
        {
            Check(cs.Id == id, cs, "filed under another id");
            foreach (var ts in cs.WantsWhat) Check(ts.WhoWants.Contains(cs) && s.Tasks.ContainsKey(ts.Key), cs, $"wants {ts.Key} inconsistently");
        }
    }

    private static bool Queued(this TaskState ts, SchedulerState s) => s.Queued.Contains(ts);

    private static void Check(bool ok, object subject, string what)
    {
        if (!ok) throw new InvalidOperationException($"invalid scheduler state: {subject} {what}");
    }
}
