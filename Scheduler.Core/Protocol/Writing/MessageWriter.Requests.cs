using Scheduler.Core.Messages.Outgoing;

namespace Scheduler.Core.Protocol.Writing;

// The requests to workers and nannies: the data transfers, and what broadcasts ask.
public abstract partial class MessageWriter
{
    private MsgMap Request(WorkerRpc request, bool close)
    {
        var m = request switch
        {
            GetData g => Request(g),
            UpdateData u => Request(u),
            DiscardReplicas d => new MsgMap(5).Add("op", "free_keys").Add("keys", Keys(d.Keys)).Add("stimulus_id", d.StimulusId),
            GatherReplicas g => new MsgMap(3).Add("op", "gather").Add("who_has", WhoHas(g.WhoHas)),
            ForwardedRpc f => Forwarded(f.Message),
            NannyKill k => new MsgMap(5).Add("op", "kill").Add("reason", k.Reason).Add("timeout", k.Timeout),
            GetLogs g => new MsgMap(4).Add("op", "get_logs").Add("n", g.N),
            // The worker's handler is plugin-add, the nanny's plugin_add.
            AddPlugin a => new MsgMap(5).Add("op", a.ToNanny ? "plugin_add" : "plugin-add").Add("plugin", a.Plugin).Add("name", a.Name),
            RemovePlugin r => new MsgMap(4).Add("op", r.ToNanny ? "plugin_remove" : "plugin-remove").Add("name", r.Name),
            GetCallStack c => new MsgMap(4).Add("op", "call_stack").Add("keys", c.Keys is { } keys ? Keys(keys) : null),
            GetProfile p => new MsgMap(7).Add("op", "profile").Add("start", p.Start).Add("stop", p.Stop).Add("key", p.Key).Add("server", p.Server),
            BenchmarkDisk => new MsgMap(3).Add("op", "benchmark_disk"),
            BenchmarkMemory => new MsgMap(3).Add("op", "benchmark_memory"),
            BenchmarkNetwork b => new MsgMap(4).Add("op", "benchmark_network").Add("address", b.Address),
            _ => throw Unwritable(request),
        };
        // Set, not Add: a forwarded message may carry either already.
        if (close) m.Set("close", true);
        m.Set("reply", true);
        return m;
    }

    /// <summary>get_data: each dialect's worker takes its own arguments.</summary>
    protected abstract MsgMap Request(GetData g);

    /// <summary>update_data: each dialect's worker takes its own arguments.</summary>
    protected abstract MsgMap Request(UpdateData u);

    /// <summary>A copy: the client's message is theirs, and the request gains fields.</summary>
    private static MsgMap Forwarded(MsgMap message)
    {
        var m = new MsgMap(message.Count + 2);
        foreach (var (k, v) in message) m.Add(k, v);
        return m;
    }
}
