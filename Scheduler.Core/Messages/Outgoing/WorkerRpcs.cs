using Scheduler.Core.Protocol;

namespace Scheduler.Core.Messages.Outgoing;

// The requests the scheduler makes of workers and nannies, each on a comm of its own: the data transfers behind
// gather, scatter and replicate, and what a broadcast asks (on a client's behalf, or the scheduler's own diagnostics).

/// <summary>get_data: hand over these keys' data (gather).</summary>
public sealed record GetData(IReadOnlyList<string> Keys) : WorkerRpc;

/// <summary>update_data: hold this data, key to value as the scattering client sent it (scatter).</summary>
public sealed record UpdateData(MsgMap Data) : WorkerRpc;

/// <summary>free_keys as a request: drop these extra copies (replicate, rebalance), answered once done.</summary>
public sealed record DiscardReplicas(IReadOnlyList<string> Keys, string StimulusId) : WorkerRpc;

/// <summary>gather: fetch these keys from their holders (replicate, rebalance).</summary>
public sealed record GatherReplicas(IReadOnlyList<KeyHolders> WhoHas) : WorkerRpc;

/// <summary>A client's broadcast or proxy: its message, passed on as it came.</summary>
public sealed record ForwardedRpc(MsgMap Message) : WorkerRpc;

/// <summary>kill, to a nanny: stop (and so restart) its worker process.</summary>
/// <param name="Reason">Why (scheduler-restart, or the restart's stimulus id).</param>
/// <param name="Timeout">Seconds the nanny may take.</param>
public sealed record NannyKill(string Reason, double Timeout) : WorkerRpc;

/// <summary>get_logs: the last <see cref="N"/> log records (all when null) of the worker or nanny.</summary>
public sealed record GetLogs(long? N) : WorkerRpc;

/// <summary>Register a worker (or, <see cref="ToNanny"/>, a nanny) plugin: the pickle as the client sent it.</summary>
public sealed record AddPlugin(object? Plugin, object? Name, bool ToNanny) : WorkerRpc;

/// <summary>Remove a worker (or nanny) plugin by name.</summary>
public sealed record RemovePlugin(object? Name, bool ToNanny) : WorkerRpc;

/// <summary>call_stack: what the worker is running for these keys (everything when null).</summary>
public sealed record GetCallStack(IReadOnlyList<string>? Keys) : WorkerRpc;

/// <summary>profile: the worker's profile of a period; <see cref="Start"/>, <see cref="Stop"/> and <see cref="Key"/>
/// as the client sent them.</summary>
public sealed record GetProfile(object? Start, object? Stop, object? Key, bool Server) : WorkerRpc;

/// <summary>benchmark_disk.</summary>
public sealed record BenchmarkDisk : WorkerRpc
{
    public static readonly BenchmarkDisk Instance = new();
}

/// <summary>benchmark_memory.</summary>
public sealed record BenchmarkMemory : WorkerRpc
{
    public static readonly BenchmarkMemory Instance = new();
}

/// <summary>benchmark_network: transfers to and from the worker at <see cref="Address"/>.</summary>
public sealed record BenchmarkNetwork(string Address) : WorkerRpc;
