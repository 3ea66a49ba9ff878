using Scheduler.Core.Protocol;

namespace Scheduler.Core.Messages;

// The first op of a client's or worker's stream connection: who it is. A field a peer leaves out is null here; the
// state gives it its default.

/// <summary>register-client: a client opens its stream.</summary>
/// <param name="Versions">The client's get_versions() (the versions RPC reports one peer's).</param>
public sealed record RegisterClient(string? Client, MsgMap? Versions);

/// <summary>register-worker: a worker joins.</summary>
/// <param name="Address">The worker's address, as the scheduler names workers ("tcp://host:port").</param>
/// <param name="Name">The worker's name: any value (a string, a number), an alias of its address.</param>
/// <param name="KeysInMemory">How many keys the worker already holds (reconnecting with data is refused).</param>
/// <param name="Resources">The worker's resources (name: amount); the worker's state keeps and updates this map.</param>
/// <param name="Metrics">The first heartbeat's metrics (memory, spilled bytes, ...), read as later heartbeats'.</param>
/// <param name="LocalDirectory">The worker's local_directory, as sent (its identity shows it).</param>
/// <param name="Services">The worker's services (name: port), as sent (its identity shows them).</param>
/// <param name="Extra">What the worker's plugins add to its identity (Dask's extra), laid over it.</param>
/// <param name="Versions">The worker's get_versions() (the versions RPC reports one peer's).</param>
public sealed record RegisterWorker(
    string? Address,
    object? Name,
    string? StimulusId,
    int KeysInMemory,
    long? NThreads,
    long? MemoryLimit,
    string? Nanny,
    string? ServerId,
    MsgMap? Resources,
    string? Status,
    MsgMap? Metrics,
    object? LocalDirectory,
    object? Services,
    MsgMap? Extra,
    MsgMap? Versions)
{
    /// <summary>What <see cref="Metrics"/> say of memory (null without metrics).</summary>
    public MemoryReading? Memory { get; init; }
}
