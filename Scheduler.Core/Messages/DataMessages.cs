using Scheduler.Core.Protocol;

namespace Scheduler.Core.Messages;

// RPCs that move data or change what the scheduler records about keys: gather, scatter, update_data, replicate,
// rebalance, cancel, retry, restrictions, metadata, events. Maps keyed by task key keep the keys as sent: they go
// back out (to workers, in reports) as they came.

/// <summary><c>gather</c>: the values of these keys, fetched from the workers holding them.</summary>
public sealed record GatherRequest(IReadOnlyList<string> Keys) : RpcMessage;

/// <summary>
/// <c>scatter</c>: values (<see cref="Data"/>, key as sent to pickled value, passed to workers untouched) spread
/// over the running workers (or <see cref="Workers"/>), one copy each, a copy on every worker with
/// <see cref="BroadcastToAll"/>, or <see cref="Copies"/> copies; waiting up to <see cref="Timeout"/> seconds for a worker.
/// </summary>
public sealed record ScatterRequest(
    MsgMap? Data,
    IReadOnlyList<object?>? Workers,
    string? Client,
    bool BroadcastToAll,
    long Copies,
    double? Timeout) : RpcMessage;

/// <summary>
/// <c>update_data</c>: keys now held by workers (<see cref="WhoHas"/>: key as sent to worker addresses), with their
/// sizes (<see cref="Nbytes"/>: key as sent to bytes), wanted by <see cref="Client"/>.
/// </summary>
public sealed record UpdateDataRequest(MsgMap? WhoHas, MsgMap? Nbytes, string? Client) : RpcMessage;

/// <summary><c>cancel</c>: the client no longer wants these keys (nor anyone, with <see cref="Force"/>).</summary>
public sealed record CancelRequest(string? Client, IReadOnlyList<string> Keys, bool Force) : RpcMessage;

/// <summary><c>retry</c>: erred keys go back to waiting.</summary>
public sealed record RetryRequest(IReadOnlyList<string> Keys) : RpcMessage;

/// <summary>
/// <c>replicate</c>: <see cref="N"/> copies (null: one per worker) of each key on the running workers (or
/// <see cref="Workers"/>), copies beyond it dropped when <see cref="Delete"/>; each round at most multiplies the
/// holders by <see cref="BranchingFactor"/>.
/// </summary>
public sealed record ReplicateRequest(
    IReadOnlyList<string> Keys,
    long? N,
    IReadOnlyList<object?>? Workers,
    long? BranchingFactor,
    bool Delete) : RpcMessage;

/// <summary><c>rebalance</c>: even out the memory of these workers (or all), moving these keys (or any).</summary>
public sealed record RebalanceRequest(IReadOnlyList<object?>? Workers, IReadOnlyList<string>? Keys) : RpcMessage;

/// <summary><c>set_restrictions</c>: the workers (or hosts) each key may run on, as sent.</summary>
public sealed record SetRestrictionsRequest(IReadOnlyList<(string Key, object? Workers)> ByKey) : RpcMessage;

/// <summary><c>set_metadata</c>: a value stored at a path of the metadata tree.</summary>
public sealed record SetMetadataRequest(IReadOnlyList<object> Path, object? Value) : RpcMessage;

/// <summary><c>log_event</c>: an event (any msgpack value) logged under these topics.</summary>
public sealed record LogEventRequest(IReadOnlyList<string> Topics, object? Event) : RpcMessage;
