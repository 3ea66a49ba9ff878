using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.State;

namespace Scheduler.Core.Protocol.Writing;

// The ops on a worker's stream.
public abstract partial class MessageWriter
{
    // Messages are encoded after the actor's turn and never changed: one empty map serves every compute-task.
    protected static readonly MsgMap EmptyMap = new();

    /// <summary>compute-task: each dialect has its own fields (the worker builds its event from them exactly).</summary>
    protected abstract MsgMap Op(ComputeTask task);

    /// <summary>The priority as an array of ints and floats; a task without one goes first among equals, as (0,).</summary>
    protected static object?[] PriorityOf(Priority? priority) => priority?.ToWire() ?? [0L];

    protected virtual MsgMap Op(FreeKeys f) =>
        new MsgMap(3).Add("op", "free-keys").Add("keys", Keys(f.Keys)).Add("stimulus_id", f.StimulusId);

    protected virtual MsgMap Op(StealRequest s) =>
        new MsgMap(3).Add("op", "steal-request").Add("key", Key(s.Key)).Add("stimulus_id", s.StimulusId);

    protected virtual MsgMap Op(RefreshWhoHas r) =>
        new MsgMap(3).Add("op", "refresh-who-has").Add("who_has", WhoHas(r.WhoHas)).Add("stimulus_id", r.StimulusId);

    protected virtual MsgMap Op(RemoveReplicas r) =>
        new MsgMap(3).Add("op", "remove-replicas").Add("keys", Keys(r.Keys)).Add("stimulus_id", r.StimulusId);

    protected virtual MsgMap Op(AcquireReplicas a)
    {
        var (whoHas, nbytes) = WhoHasAndNbytes(a.Keys);
        return new MsgMap(4).Add("op", "acquire-replicas").Add("who_has", whoHas).Add("nbytes", nbytes).Add("stimulus_id", a.StimulusId);
    }

    protected virtual MsgMap Op(SetWorkerStatus s) =>
        new MsgMap(3).Add("op", "worker-status-change").Add("status", s.Status).Add("stimulus_id", s.StimulusId);

    protected virtual MsgMap Op(CloseWorker c) => new MsgMap(2).Add("op", "close").Add("reason", c.Reason);

    /// <summary>remove-worker, or null where the dialect's workers have no such op.</summary>
    protected abstract MsgMap? Op(PeerRemoved p);

    protected virtual MsgMap Op(PubSubAddSubscriber p) =>
        new MsgMap(3).Add("op", "pubsub-add-subscriber").Add("address", p.Worker).Add("name", p.Name);

    protected virtual MsgMap Op(PubSubRemoveSubscriber p) =>
        new MsgMap(3).Add("op", "pubsub-remove-subscriber").Add("address", p.Worker).Add("name", p.Name);

    protected virtual MsgMap Op(PubSubPublishScheduler p) =>
        new MsgMap(3).Add("op", "pubsub-publish-scheduler").Add("name", p.Name).Add("publish", p.Publish);

    protected virtual MsgMap Op(PubSubMsgToWorker p) => new MsgMap(3).Add("op", "pubsub-msg").Add("name", p.Name).Add("msg", p.Msg);
}
