namespace Scheduler.Core.Messages;

// distributed.Event. An event's name is any msgpack value (None included).

/// <summary>event_wait: answered true once <paramref name="Name"/> is set, false when the timeout (null: none) passes first.</summary>
public sealed record EventWaitRequest(object? Name, double? Timeout) : RpcMessage;

/// <summary>event_set: sets the flag and wakes its waiters.</summary>
public sealed record EventSetRequest(object? Name) : RpcMessage;

/// <summary>event_clear: clears the flag.</summary>
public sealed record EventClearRequest(object? Name) : RpcMessage;

/// <summary>event_is_set: whether the flag is set.</summary>
public sealed record EventIsSetRequest(object? Name) : RpcMessage;
