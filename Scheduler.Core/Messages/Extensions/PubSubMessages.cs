namespace Scheduler.Core.Messages;

// distributed.Pub/Sub. A topic's name is any msgpack value; a message's payload is passed through.

/// <summary>pubsub_add_publisher: <paramref name="Worker"/> publishes to <paramref name="Name"/>.</summary>
public sealed record PubSubAddPublisherRequest(object? Name, string? Worker) : RpcMessage;

/// <summary>pubsub-add-subscriber on a client stream: the client subscribes to <paramref name="Name"/>.</summary>
public sealed record ClientPubSubAddSubscriberOp(object? Name) : ClientMessage;

/// <summary>pubsub-remove-subscriber on a client stream.</summary>
public sealed record ClientPubSubRemoveSubscriberOp(object? Name) : ClientMessage;

/// <summary>pubsub-remove-subscribers: a client's subscribers were garbage collected.</summary>
public sealed record ClientPubSubRemoveSubscribersOp : ClientMessage;

/// <summary>pubsub-msg on a client stream: the client publishes <paramref name="Msg"/>.</summary>
public sealed record ClientPubSubMsgOp(object? Name, object? Msg) : ClientMessage;

/// <summary>pubsub-add-subscriber on a worker stream: the worker subscribes to <paramref name="Name"/>.</summary>
public sealed record WorkerPubSubAddSubscriberOp(object? Name) : WorkerMessage;

/// <summary>pubsub-remove-subscriber on a worker stream.</summary>
public sealed record WorkerPubSubRemoveSubscriberOp(object? Name) : WorkerMessage;

/// <summary>pubsub-remove-publisher: the worker no longer publishes to <paramref name="Name"/>.</summary>
public sealed record WorkerPubSubRemovePublisherOp(object? Name) : WorkerMessage;

/// <summary>pubsub-msg on a worker stream: a worker publishes <paramref name="Msg"/> for the subscribed clients.</summary>
public sealed record WorkerPubSubMsgOp(object? Name, object? Msg) : WorkerMessage;
