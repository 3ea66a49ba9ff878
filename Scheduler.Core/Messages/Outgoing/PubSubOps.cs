namespace Scheduler.Core.Messages.Outgoing;

// Pub/sub between peers: the scheduler keeps publishers told of subscribers, and relays what reaches it. A topic's
// name is any msgpack value, passed as its client sent it.

/// <summary>pubsub-add-subscriber: a publishing worker is to send the topic to this worker too.</summary>
public sealed record PubSubAddSubscriber(object? Name, string Worker) : WorkerOp;

/// <summary>pubsub-remove-subscriber: a publishing worker is to stop sending the topic to this worker.</summary>
public sealed record PubSubRemoveSubscriber(object? Name, string Worker) : WorkerOp;

/// <summary>pubsub-publish-scheduler: whether a publishing worker is to send the topic to the scheduler (for clients).</summary>
public sealed record PubSubPublishScheduler(object? Name, bool Publish) : WorkerOp;

/// <summary>pubsub-msg to a subscribed worker (what a client published).</summary>
public sealed record PubSubMsgToWorker(object? Name, object? Msg) : WorkerOp;

/// <summary>pubsub-msg to a subscribed client.</summary>
public sealed record PubSubMsgToClient(object? Name, object? Msg) : ClientOp;
