using Scheduler.Core.Messages.Outgoing;

namespace Scheduler.Core.Protocol.Writing;

// identity and what carries workers' identities (retire_workers, the retire-workers event). No key is named, so both
// dialects write them alike; the HTTP route (/json/identity.json) gets them written by its reader's writer.
public abstract partial class MessageWriter
{
    /// <summary>Dask's Scheduler.identity.</summary>
    public static MsgMap IdentityMap(SchedulerIdentityReply identity)
    {
        var services = new MsgMap();
        if (identity.DashboardPort is { } port) services.Add("dashboard", port);
        return new MsgMap()
            .Add("type", "Scheduler")
            .Add("id", identity.Id)
            .Add("address", identity.Address)
            .Add("services", services)
            .Add("started", identity.Started)
            .Add("workers", IdentitiesByAddress(identity.Workers));
    }

    private static MsgMap IdentitiesByAddress(IReadOnlyList<WorkerIdentityInfo> workers)
    {
        var map = new MsgMap(workers.Count);
        foreach (var w in workers) map.Add(w.Address, WorkerIdentity(w));
        return map;
    }

    /// <summary>Dask's WorkerState.identity: its fields, then what the worker registered as extra, over them.</summary>
    private static MsgMap WorkerIdentity(WorkerIdentityInfo w)
    {
        var id = new MsgMap()
            .Add("type", "Worker")
            .Add("id", w.Name)
            .Add("host", w.Host)
            .Add("resources", w.Resources)
            .Add("local_directory", w.LocalDirectory)
            .Add("name", w.Name)
            .Add("nthreads", w.NThreads)
            .Add("memory_limit", w.MemoryLimit)
            .Add("last_seen", w.LastSeen)
            .Add("services", w.Services ?? new MsgMap())
            .Add("metrics", w.Metrics ?? new MsgMap())
            .Add("status", w.Status)
            .Add("nanny", w.Nanny);
        if (w.Extra is { } extra) foreach (var (k, v) in extra) id.Set(k!, v);
        return id;
    }
}
