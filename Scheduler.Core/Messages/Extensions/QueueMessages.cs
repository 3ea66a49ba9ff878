namespace Scheduler.Core.Messages;

// distributed.Queue. A queue's name is any msgpack value; the data put in it is the client's value, passed through.

/// <summary>queue_create: a client uses the queue <paramref name="Name"/>; <paramref name="MaxSize"/> null or 0 is unbounded.</summary>
public sealed record QueueCreateRequest(object? Name, long? MaxSize) : RpcMessage;

/// <summary>
/// queue_put: the future <paramref name="Key"/>, or <paramref name="Data"/> when there is no key. <paramref name="HasTimeout"/>:
/// the request carries a timeout (null: none), which bounds the wait for room and for a key the scheduler does not know yet.
/// </summary>
public sealed record QueuePutRequest(object? Name, string? Key, object? Data, bool HasTimeout, double? Timeout) : RpcMessage;

/// <summary>
/// queue_get: one item (<paramref name="Count"/> null), <paramref name="Count"/> items, or with <paramref name="All"/>
/// everything there is now.
/// </summary>
public sealed record QueueGetRequest(object? Name, bool All, long? Count, double? Timeout) : RpcMessage;

/// <summary>queue_qsize: how many items the queue holds.</summary>
public sealed record QueueQsizeRequest(object? Name) : RpcMessage;

/// <summary>queue_release as an RPC: a client is done with the queue.</summary>
public sealed record QueueReleaseRequest(object? Name) : RpcMessage;

/// <summary>queue_release on a client stream.</summary>
public sealed record QueueReleaseOp(object? Name) : ClientMessage;

/// <summary>queue-future-release: a getter's client holds <paramref name="Key"/> itself now.</summary>
public sealed record QueueFutureReleaseOp(object? Name, string? Key) : ClientMessage;
