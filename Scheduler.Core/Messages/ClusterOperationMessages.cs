using Scheduler.Core.Protocol;

namespace Scheduler.Core.Messages;

// RPCs about the workers themselves: their lifecycle (heartbeats, restart, retirement, removal), their resources,
// and what the scheduler asks of them on a peer's behalf (broadcast, proxy, logs, call stacks, profiles, benchmarks).
// Worker references are addresses or names (any msgpack value), as sent; null lists were absent (all workers).

/// <summary><c>heartbeat_worker</c>: a worker is alive, with its latest metrics and resources.</summary>
public sealed record HeartbeatWorkerRequest(string? Address, MsgMap? Metrics, MsgMap? Resources) : RpcMessage
{
    /// <summary>What <see cref="Metrics"/> say of memory (null without metrics).</summary>
    public MemoryReading? Memory { get; init; }
}

/// <summary><c>register_nanny</c>: a nanny asks for its plugins.</summary>
/// <summary>register_nanny; a 2024.12 nanny names its address, and is starting until its registration comm ends.</summary>
public sealed record RegisterNannyRequest(string? Address) : RpcMessage;

/// <summary><c>unregister</c>: a worker leaves.</summary>
public sealed record UnregisterWorkerRequest(string? Address, string? StimulusId) : RpcMessage;

/// <summary><c>set_resources</c>: a worker's resources (name to amount) change.</summary>
public sealed record SetResourcesRequest(string? Worker, MsgMap? Resources) : RpcMessage;

/// <summary>
/// <c>restart</c>: every key released and every worker restarted; with <see cref="WaitForWorkers"/>, answered once
/// as many are back, within <see cref="Timeout"/> seconds.
/// </summary>
public sealed record RestartRequest(double? Timeout, bool WaitForWorkers, string? Client) : RpcMessage;

/// <summary>
/// <c>restart_workers</c>: these workers (or all) restarted, keeping the keys; a failure is an error with
/// <see cref="Raise"/>, else reported per worker.
/// </summary>
public sealed record RestartWorkersRequest(
    IReadOnlyList<object?>? Workers,
    double? Timeout,
    bool WaitForWorkers,
    bool Raise,
    string? StimulusId,
    string? Client) : RpcMessage;

/// <summary>
/// <c>retire_workers</c>: the workers with these <see cref="Names"/>, or these <see cref="Workers"/>, or those the
/// <see cref="Criteria"/> pick, retired once their unique data is copied elsewhere.
/// </summary>
public sealed record RetireWorkersRequest(
    IReadOnlyList<object?>? Names,
    IReadOnlyList<object?>? Workers,
    CloseCriteria Criteria,
    bool CloseWorkers,
    bool Remove,
    string? StimulusId) : RpcMessage;

/// <summary>
/// <c>broadcast</c>: <see cref="Msg"/> (passed untouched) sent as an RPC to these workers and the workers on these
/// <see cref="Hosts"/> (all workers when both are null), or to their nannies; <see cref="OnError"/> is Dask's
/// raise / return / return_pickle / ignore.
/// </summary>
public sealed record BroadcastRequest(
    MsgMap Msg,
    IReadOnlyList<object?>? Workers,
    IReadOnlyList<string>? Hosts,
    bool Nanny,
    string OnError) : RpcMessage;

/// <summary><c>proxy</c>: a broadcast to one worker, answered with its reply alone.</summary>
public sealed record ProxyRequest(object? Worker, BroadcastRequest Broadcast) : RpcMessage;

/// <summary><c>worker_logs</c>: the last <see cref="N"/> log records of these workers (or all), or of their nannies.</summary>
public sealed record WorkerLogsRequest(long? N, IReadOnlyList<object?>? Workers, bool Nanny) : RpcMessage;

/// <summary><c>call_stack</c>: what the workers running these keys (or every worker) are executing.</summary>
public sealed record CallStackRequest(IReadOnlyList<string>? Keys) : RpcMessage;

/// <summary>
/// <c>profile</c>: the workers' profiles (the scheduler's own with <see cref="Scheduler"/>), merged unless not
/// <see cref="MergeWorkers"/>; <see cref="Start"/>, <see cref="Stop"/> and <see cref="Key"/> go to the workers as sent.
/// </summary>
public sealed record ProfileRequest(
    bool Scheduler,
    IReadOnlyList<object?>? Workers,
    object? Start,
    object? Stop,
    object? Key,
    bool Server,
    bool MergeWorkers) : RpcMessage;

/// <summary><c>benchmark_hardware</c>: disk, memory and network benchmarks on the workers.</summary>
public sealed record BenchmarkHardwareRequest : RpcMessage;
