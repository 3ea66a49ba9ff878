namespace Scheduler.Core.Messages;

// Published datasets (Client.publish_dataset and friends). A dataset's name is any msgpack value; its data is the
// client's serialized collection, passed through.

/// <summary>publish_put: the dataset <paramref name="Name"/> is <paramref name="Data"/>, which references <paramref name="Keys"/>.</summary>
public sealed record PublishPutRequest(object? Name, IReadOnlyList<string> Keys, object? Data, bool Override) : RpcMessage;

/// <summary>publish_get: the dataset, or null.</summary>
public sealed record PublishGetRequest(object? Name) : RpcMessage;

/// <summary>publish_list: the names of the datasets.</summary>
public sealed record PublishListRequest : RpcMessage;

/// <summary>publish_delete: the dataset goes, with its hold on its keys.</summary>
public sealed record PublishDeleteRequest(object? Name) : RpcMessage;

/// <summary>publish_wait_flush: answered once the marker <paramref name="Uid"/> has come through the client's stream.</summary>
public sealed record PublishWaitFlushRequest(string? Uid) : RpcMessage;

/// <summary>publish_flush_batched_send: the client's stream has reached the marker <paramref name="Uid"/>.</summary>
public sealed record PublishFlushOp(string? Uid) : ClientMessage;
