using Microsoft.Extensions.Logging;
using Scheduler.Core.Engine;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;
using Scheduler.Core.State;

namespace Scheduler.Host.Transfers;

/// <summary>
/// The I/O behind gather and scatter, done outside the actor: get_data / update_data calls to
/// workers, whose outcome is posted back as a stimulus.
/// </summary>
public sealed class DataTransfers(SchedulerActor actor, WorkerRpcPool pool, ILogger<DataTransfers> log)
{
    private static readonly TimeSpan BusyRetryDelay = TimeSpan.FromMilliseconds(100);
    private const int MaxBusyRetries = 50;
    private const int InlineFetchKeys = 16;

    // Each command takes its workers' lifetimes here, on the actor's thread, before its task starts: a worker removed by
    // a later command then ends the transfer's connect attempts to it (WorkerRpcPool.Remove) instead of leaving them to time out.
    public void Fetch(FetchData cmd)
    {
        var lifetimes = Lifetimes(cmd.WhoHas.Values.SelectMany(h => h));
        // A small gather (an interactive result) starts here, on the actor's thread, up to its first wait: the request
        // is written to a pooled comm at once instead of after another thread wakes. Nothing before that waits.
        if (cmd.WhoHas.Count <= InlineFetchKeys) _ = FetchAsync(cmd, lifetimes);
        else _ = Task.Run(() => FetchAsync(cmd, lifetimes));
    }

    public void Push(PushData cmd)
    {
        var lifetimes = Lifetimes(cmd.DataByWorker.Keys);
        _ = Task.Run(() => PushAsync(cmd, lifetimes));
    }

    /// <summary>A nanny's calls are not a worker's: only calls to the worker itself end with its removal.</summary>
    public void Broadcast(BroadcastRpc cmd)
    {
        var lifetimes = Lifetimes(cmd.Targets.Where(t => t.Target == t.Worker).Select(t => t.Worker));
        _ = Task.Run(() => BroadcastAsync(cmd, lifetimes));
    }

    public void Replicate(ReplicateRound cmd)
    {
        var lifetimes = Lifetimes(cmd.Deletes.Keys.Concat(cmd.Gathers.Keys));
        _ = Task.Run(() => ReplicateAsync(cmd, lifetimes));
    }

    /// <summary>A worker left (remove_worker): connect attempts to it end now; connected calls end as it closes.</summary>
    public void WorkerLeft(string address) => pool.Remove(address);

    private Dictionary<string, CancellationToken> Lifetimes(IEnumerable<string> addresses)
    {
        var map = new Dictionary<string, CancellationToken>(StringComparer.Ordinal);
        foreach (var a in addresses) map.TryAdd(a, pool.LifetimeOf(a));
        return map;
    }

    /// <summary>One replicate round: free_keys to drop extra copies, the worker gather RPC to add copies.</summary>
    private async Task ReplicateAsync(ReplicateRound cmd, Dictionary<string, CancellationToken> lifetimes)
    {
        var deleted = new Dictionary<string, List<string>>();
        var copied = new Dictionary<string, List<string>>();
        var deletes = cmd.Deletes.Select(async p =>
        {
            try
            {
                await pool.CallAsync(p.Key, new DiscardReplicas(p.Value, "replicate"), null, lifetimes[p.Key]).ConfigureAwait(false);
                lock (deleted) deleted[p.Key] = p.Value;
            }
            catch (Exception e) { log.LogWarning("free_keys on {Worker} failed: {Error}", p.Key, e.Message); }
        });
        var gathers = cmd.Gathers.Select(async p =>
        {
            try
            {
                var reply = await pool.CallAsync(p.Key, new GatherReplicas(p.Value), null, lifetimes[p.Key]).ConfigureAwait(false) as MsgMap;
                var failed = reply?["status"] is "partial-fail" && reply["keys"] is MsgMap f
                    ? f.Select(kv => TaskKeys.FromWire(kv.Key)).OfType<string>().ToHashSet() : [];
                if (reply?["status"] is "OK" or "partial-fail")
                {
                    var ok = p.Value.Select(h => h.Key).Where(k => !failed.Contains(k)).ToList();
                    lock (copied) copied[p.Key] = ok;
                }
            }
            catch (Exception e) { log.LogWarning("gather on {Worker} failed: {Error}", p.Key, e.Message); }
        });
        await Task.WhenAll(deletes.Concat(gathers)).ConfigureAwait(false);
        actor.Post(new ReplicateRoundDone(cmd.Request, cmd.Round, deleted, copied));
    }

    /// <summary>Dask's broadcast: one RPC per target on a fresh comm the worker closes after replying.</summary>
    private async Task BroadcastAsync(BroadcastRpc cmd, Dictionary<string, CancellationToken> lifetimes)
    {
        var calls = cmd.Targets.Select(async t =>
        {
            try
            {
                var request = cmd.PerWorker?.GetValueOrDefault(t.Worker) ?? cmd.Message
                    ?? throw new InvalidOperationException($"a broadcast without a message for {t.Worker}");
                using var call = new CancellationTokenSource();
                if (cmd.Timeout is { } seconds) call.CancelAfter(TimeSpan.FromSeconds(seconds));
                try
                {
                    return (t.Worker, Ok: true, Value: await pool.CallOnceAsync(t.Target, request, lifetimes.GetValueOrDefault(t.Target), call.Token).ConfigureAwait(false), Error: "");
                }
                catch (OperationCanceledException) when (call.IsCancellationRequested)
                {
                    log.LogWarning("broadcast to {Target} timed out after {Seconds} s", t.Target, cmd.Timeout);
                    return (t.Worker, Ok: false, Value: (object?)null, Error: $"TimeoutError: no answer within {cmd.Timeout} s");
                }
            }
            catch (Exception e)
            {
                log.LogError("broadcast to {Target} failed: {Type}: {Message}", t.Target, e.GetType().Name, e.Message);
                // A connection failure reads as Python's OSError text ("Timed out trying to connect to ...").
                return (t.Worker, Ok: false, Value: (object?)null, Error: e is IOException ? e.Message : $"{e.GetType().Name}: {e.Message}");
            }
        }).ToList();
        var results = await Task.WhenAll(calls).ConfigureAwait(false);
        object? answer;
        var failed = results.FirstOrDefault(r => !r.Ok);
        if (failed.Worker != null && cmd.OnError == "raise")
        {
            answer = new ErrorReply($"OSError: {failed.Error}");
        }
        else
        {
            var map = new MsgMap();
            foreach (var r in results)
            {
                if (r.Ok) map.Add(r.Worker, r.Value);
                else if (cmd.OnError is "return" or "return_pickle") map.Add(r.Worker, Scheduler.Core.Pickle.SchedulerExceptions.OSError(r.Error));
            }
            answer = cmd.Single != null ? map[cmd.Single] : map;
        }
        actor.Post(new RpcCompleted(cmd.ReplyId, answer));
    }

    private async Task FetchAsync(FetchData cmd, Dictionary<string, CancellationToken> lifetimes) =>
        actor.Post(await GatherAsync(cmd, lifetimes).ConfigureAwait(false));

    /// <summary>Dask's gather_from_workers: each key from one of its holders, trying the next holder on failure.</summary>
    public async Task<DataFetched> GatherAsync(FetchData cmd, Dictionary<string, CancellationToken> lifetimes)
    {
        var data = new MsgMap();
        var missing = new Dictionary<string, List<string>>();
        var failedWorkers = new HashSet<string>();
        var remaining = cmd.WhoHas.ToDictionary(p => p.Key, p => p.Value.OrderBy(_ => Random.Shared.Next()).ToList());
        var tried = remaining.ToDictionary(p => p.Key, _ => new List<string>());
        int busyRounds = 0;
        try
        {
            while (remaining.Count > 0)
            {
                // Group the keys still needed by the first holder not yet tried.
                var byWorker = new Dictionary<string, List<string>>();
                foreach (var (key, holders) in remaining.ToList())
                {
                    var next = holders.FirstOrDefault(h => !failedWorkers.Contains(h));
                    if (next == null)
                    {
                        missing[key] = tried[key];
                        remaining.Remove(key);
                        continue;
                    }
                    if (!byWorker.TryGetValue(next, out var list)) byWorker[next] = list = [];
                    list.Add(key);
                }
                if (byWorker.Count == 0) break;
                var calls = byWorker.Select(async p =>
                {
                    try
                    {
                        var reply = await pool.CallAsync(p.Key, new GetData(p.Value), async (comm, r) =>
                        {
                            // The worker counts the transfer as done only after this acknowledgement.
                            if (r is MsgMap m && m["status"] is "OK") await comm.WriteAsync("OK", CancellationToken.None).ConfigureAwait(false);
                        }, lifetimes[p.Key]).ConfigureAwait(false);
                        return (p.Key, p.Value, Reply: reply as MsgMap, Failed: false);
                    }
                    catch (Exception e)
                    {
                        log.LogWarning("get_data from {Worker} failed: {Error}", p.Key, e.Message);
                        return (p.Key, p.Value, Reply: (MsgMap?)null, Failed: true);
                    }
                }).ToList();
                bool anyBusy = false;
                foreach (var (worker, keys, reply, failed) in await Task.WhenAll(calls).ConfigureAwait(false))
                {
                    foreach (var k in keys) tried[k].Add(worker);
                    if (failed)
                    {
                        failedWorkers.Add(worker);
                        continue;
                    }
                    if (reply?["status"] is "busy")
                    {
                        anyBusy = true;
                        foreach (var k in keys) tried[k].Remove(worker);
                        continue;
                    }
                    // The worker names keys in its own dialect (a tuple key is a tuple from a 2024.12 worker).
                    var got = new Dictionary<string, object?>(StringComparer.Ordinal);
                    if (reply?["data"] is MsgMap gotData)
                        foreach (var (wk, wv) in gotData)
                            if (TaskKeys.FromWire(wk) is { } gk) got[gk] = wv;
                    foreach (var k in keys)
                    {
                        if (got.TryGetValue(k, out var v))
                        {
                            data.Add(TaskKeys.ToWire(k), v);
                            remaining.Remove(k);
                        }
                        else if (remaining.TryGetValue(k, out var holders))
                        {
                            holders.Remove(worker); // that worker does not have it after all
                        }
                    }
                }
                if (anyBusy)
                {
                    if (++busyRounds > MaxBusyRetries) break;
                    await Task.Delay(BusyRetryDelay).ConfigureAwait(false);
                }
            }
            foreach (var k in remaining.Keys) missing[k] = tried[k];
        }
        catch (Exception e)
        {
            log.LogError(e, "gather failed");
            foreach (var k in remaining.Keys) missing[k] = tried.GetValueOrDefault(k) ?? [];
        }
        return new DataFetched(cmd.ReplyId, data, missing, failedWorkers);
    }

    /// <summary>Dask's scatter_to_workers: update_data to each chosen worker.</summary>
    private async Task PushAsync(PushData cmd, Dictionary<string, CancellationToken> lifetimes)
    {
        var whoHas = new Dictionary<string, List<string>>();
        var nbytes = new Dictionary<string, long>();
        try
        {
            var calls = cmd.DataByWorker.Select(async p =>
            {
                var reply = await pool.CallAsync(p.Key, new UpdateData(p.Value), null, lifetimes[p.Key]).ConfigureAwait(false);
                return (Worker: p.Key, Data: p.Value, Reply: reply as MsgMap);
            }).ToList();
            foreach (var (worker, sent, reply) in await Task.WhenAll(calls).ConfigureAwait(false))
            {
                if (reply?["status"] is not "OK")
                    throw new InvalidOperationException($"update_data on {worker} answered {MsgDebug.Format(reply)}");
                var sizes = reply["nbytes"] as MsgMap;
                foreach (var (k, _) in sent)
                {
                    if (TaskKeys.FromWire(k) is not { } key) continue;
                    if (!whoHas.TryGetValue(key, out var list)) whoHas[key] = list = [];
                    list.Add(worker);
                    if (k != null && sizes?[k] is long n) nbytes[key] = n;
                }
            }
            actor.Post(new DataPushed(cmd.ReplyId, cmd.Client, cmd.Keys, whoHas, nbytes, null));
        }
        catch (Exception e)
        {
            log.LogWarning("scatter failed: {Error}", e.Message);
            actor.Post(new DataPushed(cmd.ReplyId, cmd.Client, cmd.Keys, whoHas, nbytes, $"{e.GetType().Name}: {e.Message}"));
        }
    }
}
