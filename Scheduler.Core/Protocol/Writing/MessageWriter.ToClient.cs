using Scheduler.Core.Messages.Outgoing;

namespace Scheduler.Core.Protocol.Writing;

// The ops on a client's stream.
public abstract partial class MessageWriter
{
    protected virtual MsgMap Op(KeyInMemory k)
    {
        var m = new MsgMap(3).Add("op", "key-in-memory").Add("key", Key(k.Key));
        if (k.Type != null) m.Add("type", k.Type);
        if (k.Workers != null) m.Add("workers", Addresses(k.Workers));
        return m;
    }

    protected virtual MsgMap Op(KeyErred k) =>
        new MsgMap(4).Add("op", "task-erred").Add("key", Key(k.Key)).Add("exception", k.Exception).Add("traceback", k.Traceback);

    /// <summary>The key is cancelled: each dialect's client has its own op for it.</summary>
    protected abstract MsgMap Op(KeyCancelled k);

    protected virtual MsgMap Op(KeyLost k) => new MsgMap(2).Add("op", "lost-data").Add("key", Key(k.Key));

    protected virtual MsgMap Op(KeyRetried k) => new MsgMap(2).Add("op", "task-retried").Add("key", Key(k.Key));

    protected virtual MsgMap Op(TopicEvent e) =>
        new MsgMap(3).Add("op", "event").Add("topic", e.Topic).Add("event", new object?[] { e.Time, Event(e.Event) });

    protected virtual MsgMap Op(PubSubMsgToClient p) => new MsgMap(3).Add("op", "pubsub-msg").Add("name", p.Name).Add("msg", p.Msg);

    protected virtual MsgMap Op(ClusterRestarting r) => new MsgMap(1).Add("op", "restart");

    protected virtual MsgMap Op(StreamClosed s) => new MsgMap(1).Add("op", "stream-closed");

    protected virtual MsgMap Op(StreamStart s) => new MsgMap(3).Add("op", "stream-start").Add("warning", "").Add("error", "");
}
