using Microsoft.Extensions.Logging;
using Scheduler.Core.Messages;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// Client streams: registration, the client stream ops, futures held and released.
public sealed partial class SchedulerState
{
    private readonly HashSet<string> _unknownOpsLogged = [];

    private void OnClientConnected(ClientConnected c)
    {
        if (!Clients.TryGetValue(c.ClientId, out var cs)) Clients[c.ClientId] = cs = new ClientState(c.ClientId);
        cs.Connected = true;
        cs.LastSeen = Now;
        cs.Versions = c.Registration.Versions;
        cs.Dialect = c.Dialect;
        Emit(new ClientStreamStart(c.ConnId, c.ClientId));
        _log.LogInformation("receive client connection: {Client}", c.ClientId);
    }

    private void OnClientDisconnected(ClientDisconnected c)
    {
        if (!Clients.TryGetValue(c.ClientId, out var cs) || c.ClientId == FireAndForget) return;
        RemoveClient(cs, StimulusId("remove-client", Now));
    }

    /// <summary>Connected clients silent for longer than the TTL lose their stream and their keys.</summary>
    private void RemoveSilentClients(double ttl)
    {
        foreach (var cs in Clients.Values.Where(c => c.Connected && Now - c.LastSeen > ttl).ToList())
        {
            _log.LogWarning("client {Client} sent nothing for {Seconds:0} s (client-ttl {Ttl} s): removing it and releasing its keys",
                cs.Id, Now - cs.LastSeen, ttl);
            SendToClient(cs, StreamClosed.Instance);
            Emit(new CloseClientStream(cs.Id));
            RemoveClient(cs, StimulusId("client-ttl", Now));
        }
    }

    private void RemoveClient(ClientState cs, string sid)
    {
        _log.LogInformation("remove client {Client}", cs.Id);
        var recs = new Recommendations();
        ClientReleasesKeys(cs, cs.WantsWhat.Select(t => t.Key).ToList(), recs);
        Clients.Remove(cs.Id);
        cs.Connected = false;
        Transitions(recs, sid);
        QueueSlotsMaybeOpened(sid);
    }

    private void OnClientOp(ClientStreamOp c)
    {
        // The op may name the client it acts for (that is how fire-and-forget works).
        var client = c.Client;
        if (Clients.TryGetValue(c.ClientId, out var self)) self.LastSeen = Now;
        switch (c.Message)
        {
            case UpdateGraphHlg g: OnUpdateGraphHlg(client, g, c.Preparation); break;
            case UpdateGraphLegacy g: OnUpdateGraphLegacy(client, g); break;
            case KeysDesired d: ClientDesiresKeys(client, d.Keys); break;
            case KeysReleased r:
                {
                    if (!Clients.TryGetValue(client, out var cs)) break;
                    var sid = StimulusId("client-releases-keys", Now);
                    var recs = new Recommendations();
                    ClientReleasesKeys(cs, r.Keys, recs);
                    Transitions(recs, sid);
                    QueueSlotsMaybeOpened(sid);
                    break;
                }
            case HeartbeatClient: break;
            case CloseClient:
                if (Clients.TryGetValue(c.ClientId, out var closing)) RemoveClient(closing, StimulusId("close-client", Now));
                break;
            case SubscribeTopic s:
                if (s.Topic is { } topic && Clients.TryGetValue(client, out var sub)) sub.Topics.Add(topic);
                break;
            case UnsubscribeTopic u:
                if (u.Topic is { } t2 && Clients.TryGetValue(client, out var unsub)) unsub.Topics.Remove(t2);
                break;
            case ReportKey r:
                if (r.Key is { } rk)
                {
                    if (Tasks.TryGetValue(rk, out var rts)) ReportOnKey(rts, client);
                    else ReportCancelled(rk, null, client);
                }
                break;
            // Dask's update_data, shared with the scatter RPC, still reads the message's fields.
            case DataUpdated d: UpdateData(d.WhoHas, d.Nbytes, client); break;
            // 2024.12 clients cancel on the stream (2022.12 ones call the cancel RPC): the same cancellation.
            case CancelKeys k: Cancel(client, k.Keys, k.Force); break;
            default:
                if (TryExtensionClientOp(client, c)) break;
                // Python tears the stream down on an unknown op; we log once per op name and carry on.
                if (_unknownOpsLogged.Add("client:" + c.Op))
                    _log.LogWarning("ignoring unknown client stream op {Op} from {Client}", c.Op, c.ClientId);
                break;
        }
    }

    private void ClientDesiresKeys(string client, IEnumerable<string> keys)
    {
        if (!Clients.TryGetValue(client, out var cs)) Clients[client] = cs = new ClientState(client);
        foreach (var k in keys)
        {
            if (!Tasks.TryGetValue(k, out var ts)) ts = NewTask(k, null);
            ts.WhoWants.Add(cs);
            cs.WantsWhat.Add(ts);
            if (ts.Status is TaskStatus.Memory or TaskStatus.Erred) ReportOnKey(ts, client);
        }
    }

    private static void ClientReleasesKeys(ClientState cs, IEnumerable<string> keys, Recommendations recs, IReadOnlyDictionary<string, TaskState> tasks)
    {
        foreach (var key in keys)
        {
            if (!tasks.TryGetValue(key, out var ts) || !cs.WantsWhat.Remove(ts)) continue;
            ts.WhoWants.Remove(cs);
            if (ts.WhoWants.Count > 0) continue;
            if (ts.Dependents.Count == 0) recs[ts] = TaskStatus.Forgotten;
            else if (ts.Status != TaskStatus.Erred && ts.Waiters.Count == 0) recs[ts] = TaskStatus.Released;
        }
    }

    private void ClientReleasesKeys(ClientState cs, IEnumerable<string> keys, Recommendations recs) =>
        ClientReleasesKeys(cs, keys.ToList(), recs, Tasks);

    private readonly List<(string Client, string Key, bool Force, double Deadline)> _pendingCancels = [];

    /// <summary>
    /// cancel RPC: cancel keys (and their dependents) only this client wants, or all with force.
    /// The request travels on the RPC comm and can overtake the graph it cancels (sent on the stream):
    /// like Dask, a key not yet known is retried for a second.
    /// </summary>
    private void Cancel(string? client, IReadOnlyList<string> keys, bool force)
    {
        if (client == null || !Clients.TryGetValue(client, out var cs)) return;
        var sid = StimulusId("cancel-key", Now);
        var recs = new Recommendations();
        var seen = new HashSet<string>();
        foreach (var k in keys)
            if (!Tasks.TryGetValue(k, out var known) || known.WhoWants.Count == 0) _pendingCancels.Add((client, k, force, Now + 1));
        void CancelKey(string key)
        {
            if (!seen.Add(key) || !Tasks.TryGetValue(key, out var ts) || ts.WhoWants.Count == 0) return;
            if (force || (ts.WhoWants.Count == 1 && ts.WhoWants.Contains(cs)))
            {
                foreach (var dts in ts.Dependents.ToList()) CancelKey(dts.Key);
                ReportCancelled(key, null);
            }
            var holders = force ? ts.WhoWants.ToList() : [cs];
            foreach (var h in holders) ClientReleasesKeys(h, [key], recs);
        }
        foreach (var k in keys) CancelKey(k);
        Transitions(recs, sid);
        QueueSlotsMaybeOpened(sid);
    }

    /// <summary>Retries cancels that arrived before their keys did; drops them after their deadline.</summary>
    private void RetryPendingCancels()
    {
        if (_pendingCancels.Count == 0) return;
        var pending = _pendingCancels.ToList();
        _pendingCancels.Clear();
        foreach (var (client, key, force, deadline) in pending)
        {
            if (Now > deadline) continue;
            if (Tasks.TryGetValue(key, out var ts) && ts.WhoWants.Count > 0) Cancel(client, [key], force);
            else _pendingCancels.Add((client, key, force, deadline));
        }
    }

    /// <summary>retry RPC: erred keys (and the erred dependencies behind them) go back to waiting.</summary>
    private List<string> Retry(List<string> keys)
    {
        var stack = new Stack<string>(keys);
        var seen = new List<string>();
        var seenSet = new HashSet<string>();
        var roots = new List<TaskState>();
        while (stack.Count > 0)
        {
            var key = stack.Pop();
            if (!seenSet.Add(key)) continue;
            seen.Add(key);
            if (!Tasks.TryGetValue(key, out var ts)) continue;
            var erredDeps = ts.Dependencies.Where(d => d.Status == TaskStatus.Erred).Select(d => d.Key).ToList();
            if (erredDeps.Count > 0) foreach (var d in erredDeps) stack.Push(d);
            else roots.Add(ts);
        }
        var recs = new Recommendations();
        foreach (var r in roots) recs[r] = TaskStatus.Waiting;
        Transitions(recs, StimulusId("stimulus-retry", Now));
        return seen;
    }
}
