using Microsoft.Extensions.Logging;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

// distributed.Pub/Sub (PubSubSchedulerExtension). Workers publish to worker subscribers directly (worker to
// worker); the scheduler only tells publishers who subscribes, and relays what must pass through it: messages
// for subscribed clients, and messages published by clients to subscribed workers. Per topic it knows the
// publishing workers, the subscribing workers and the subscribing clients. Payloads are relayed untouched.
public sealed partial class SchedulerState
{
    private sealed class Topic
    {
        public SortedSet<string> Publishers { get; } = new(StringComparer.Ordinal);
        public SortedSet<string> Subscribers { get; } = new(StringComparer.Ordinal);
        public SortedSet<string> ClientSubscribers { get; } = new(StringComparer.Ordinal);
        public bool Idle => Publishers.Count == 0 && Subscribers.Count == 0 && ClientSubscribers.Count == 0;
    }

    private readonly Dictionary<object, Topic> _topics = NameDictionary<Topic>();

    private Topic TopicOf(object? name)
    {
        var key = NameKey(name);
        if (!_topics.TryGetValue(key, out var t)) _topics[key] = t = new Topic();
        return t;
    }

    private void DropTopicIfIdle(object? name)
    {
        var key = NameKey(name);
        if (_topics.TryGetValue(key, out var t) && t.Idle) _topics.Remove(key);
    }

    /// <summary>pubsub_add_publisher RPC: a worker publishes; it learns the worker subscribers and whether to send to us.</summary>
    private PublisherAdded PubSubAddPublisher(object? name, string? worker)
    {
        var t = TopicOf(name);
        if (worker != null) t.Publishers.Add(WorkerAddress.Normalize(worker) ?? worker);
        return new PublisherAdded([.. t.Subscribers], t.ClientSubscribers.Count > 0);
    }

    private void PubSubAddWorkerSubscriber(object? name, string worker)
    {
        var t = TopicOf(name);
        t.Subscribers.Add(worker);
        foreach (var pub in t.Publishers)
            SendToWorker(pub, new PubSubAddSubscriber(name, worker));
    }

    private void PubSubAddClientSubscriber(object? name, string client)
    {
        var t = TopicOf(name);
        foreach (var pub in t.Publishers)
            SendToWorker(pub, new PubSubPublishScheduler(name, Publish: true));
        t.ClientSubscribers.Add(client);
    }

    private void PubSubRemovePublisher(object? name, string worker)
    {
        if (!_topics.TryGetValue(NameKey(name), out var t)) return;
        t.Publishers.Remove(worker);
        DropTopicIfIdle(name);
    }

    private void PubSubRemoveWorkerSubscriber(object? name, string worker)
    {
        if (!_topics.TryGetValue(NameKey(name), out var t) || !t.Subscribers.Remove(worker))
        {
            // Python raises KeyError here, which tears the worker's stream down; we only log.
            _log.LogWarning("pubsub-remove-subscriber: worker {Worker} does not subscribe to {Topic}", worker, MsgDebug.Format(name));
            return;
        }
        foreach (var pub in t.Publishers)
            SendToWorker(pub, new PubSubRemoveSubscriber(name, worker));
        DropTopicIfIdle(name);
    }

    private void PubSubRemoveClientSubscriber(object? name, string client)
    {
        if (!_topics.TryGetValue(NameKey(name), out var t) || !t.ClientSubscribers.Remove(client))
        {
            // Clients send this twice on close (i_coordination); Python's KeyError drops the client. We ignore it.
            _log.LogDebug("pubsub-remove-subscriber: client {Client} does not subscribe to {Topic}", client, MsgDebug.Format(name));
            return;
        }
        if (t.ClientSubscribers.Count == 0)
            foreach (var pub in t.Publishers)
                SendToWorker(pub, new PubSubPublishScheduler(name, Publish: false));
        DropTopicIfIdle(name);
    }

    /// <summary>pubsub-msg: to every subscribed client; from a client also to every subscribed worker.</summary>
    private void PubSubMessage(object? name, object? msg, bool fromClient)
    {
        if (!_topics.TryGetValue(NameKey(name), out var t)) return;
        foreach (var c in t.ClientSubscribers.ToList())
        {
            if (Clients.TryGetValue(c, out var cs) && cs.Connected)
                SendToClient(cs, new PubSubMsgToClient(name, msg));
            else
                PubSubRemoveClientSubscriber(name, c); // gone: Python drops it when the send fails
        }
        if (fromClient)
            foreach (var w in t.Subscribers)
                SendToWorker(w, new PubSubMsgToWorker(name, msg));
    }
}
