using Scheduler.Core.Protocol;

namespace Scheduler.Core.Messages.Outgoing;

/// <summary>identity: the scheduler, and each worker as <see cref="WorkerIdentityInfo"/>. The dashboard port is null
/// when no dashboard listens.</summary>
public sealed record SchedulerIdentityReply(string Id, string Address, long? DashboardPort, double Started,
    IReadOnlyList<WorkerIdentityInfo> Workers) : RpcReply;

/// <summary>retire_workers: each worker retired, as identity knew it when it went (none: nothing was retired).</summary>
public sealed record RetiredWorkers(IReadOnlyList<WorkerIdentityInfo> Workers) : RpcReply;

/// <summary>
/// A worker as identity shows it (Dask's WorkerState.identity), taken when asked for: a retired worker's stays as it
/// was. What the worker registered with (<see cref="LocalDirectory"/>, <see cref="Services"/>, <see cref="Metrics"/>,
/// the <see cref="Extra"/> fields, which the writer sets over the others) is passed on as the worker sent it;
/// <see cref="Resources"/> is a copy, since heartbeats change the worker's own.
/// </summary>
public sealed record WorkerIdentityInfo(string Address, object? Name, string Host, MsgMap Resources, object? LocalDirectory,
    long NThreads, long MemoryLimit, double LastSeen, object? Services, MsgMap? Metrics, string Status, string? Nanny,
    MsgMap? Extra);
