using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.State;

namespace Scheduler.Core.Protocol.Writing;

/// <summary>
/// distributed 2024.12's ops: keys are tuples, a task is one pickled run_spec, and each dispatch has a run_id the
/// worker echoes. The worker builds its event classes from compute-task's fields exactly (a missing or extra field is
/// a TypeError that shuts it down), so nothing else is sent.
/// </summary>
public sealed class Dask2024Writer : MessageWriter
{
    public static readonly Dask2024Writer Instance = new();

    private Dask2024Writer() { }

    // A tuple key goes as the tuple (a msgpack array). Its repr is parsed by the encoder, on the connection's send loop
    // rather than the actor's thread (a TupleKey: a repr that does not parse as a tuple goes as the string it is).
    protected override object Key(string key) => TaskKeys.ToWire(key);

    protected override MsgMap Op(ComputeTask t)
    {
        var (whoHas, nbytes) = WhoHasAndNbytes(t.Dependencies);
        return new MsgMap(14)
            .Add("op", "compute-task")
            .Add("key", Key(t.Key))
            .Add("run_id", t.RunId)
            .Add("priority", PriorityOf(t.Priority))
            .Add("duration", t.Duration)
            .Add("stimulus_id", t.StimulusId)
            .Add("who_has", whoHas)
            .Add("nbytes", nbytes)
            .Add("run_spec", t.RunSpec)
            .Add("resource_restrictions", t.ResourceRestrictions ?? EmptyMap)
            .Add("actor", t.Actor)
            .Add("annotations", t.Annotations ?? EmptyMap)
            .Add("span_id", t.SpanId);
    }

    // The client has no handler for 2022's cancelled-key: its futures would stay pending.
    protected override MsgMap Op(KeyCancelled k) => new MsgMap(2).Add("op", "cancelled-keys").Add("keys", new object?[] { Key(k.Key) });

    // 2024.12 workers stop fetching from the one that left.
    protected override MsgMap Op(PeerRemoved p) => new MsgMap(3).Add("op", "remove-worker").Add("worker", p.Worker).Add("stimulus_id", p.StimulusId);

    protected override MsgMap Request(GetData g) => new MsgMap(4).Add("op", "get_data").Add("keys", Keys(g.Keys)).Add("who", null);

    protected override MsgMap Request(UpdateData u) => new MsgMap(3).Add("op", "update_data").Add("data", u.Data);
}
