using Scheduler.Core.Messages;
using Scheduler.Core.State;

namespace Scheduler.Core.Protocol.Binding;

// register-client and register-worker: the first op of a stream connection. Both versions send them alike (a 2024.12
// worker leaves out keys/nbytes/types, which read as none).
public abstract partial class MessageBinder
{
    /// <summary>A client's registration.</summary>
    public virtual RegisterClient BindRegisterClient(MsgMap m) => new(OptString(m, "client"), OptMap(m, "versions"));

    /// <summary>A worker's registration. Nothing in it is required here: the state refuses a worker without an address.</summary>
    public virtual RegisterWorker BindRegisterWorker(MsgMap m) => new(
        Address: OptString(m, "address") is { } a ? WorkerAddress.Normalize(a) ?? a : null,
        Name: m["name"],
        StimulusId: OptString(m, "stimulus_id"),
        KeysInMemory: OptMap(m, "nbytes")?.Count ?? 0,
        NThreads: OptLong(m, "nthreads"),
        MemoryLimit: OptLong(m, "memory_limit"),
        Nanny: OptString(m, "nanny"),
        ServerId: OptString(m, "server_id"),
        Resources: OptMap(m, "resources"),
        Status: OptString(m, "status"),
        Metrics: OptMap(m, "metrics"),
        LocalDirectory: m["local_directory"],
        Services: m["services"],
        Extra: OptMap(m, "extra"),
        Versions: OptMap(m, "versions")) { Memory = MemoryOf(OptMap(m, "metrics")) };

    /// <summary>A worker's metrics (registration, heartbeat_worker) as memory readings; null without metrics.</summary>
    protected static MemoryReading? MemoryOf(MsgMap? metrics) => metrics == null ? null : new MemoryReading(
        Process: MsgValues.AsLong(metrics["memory"]) ?? 0,
        SpilledInMemory: MsgValues.AsLong((metrics["spilled_bytes"] as MsgMap)?["memory"]) ?? 0,
        SpilledOnDisk: MsgValues.AsLong((metrics["spilled_bytes"] as MsgMap)?["disk"]) ?? 0);
}
