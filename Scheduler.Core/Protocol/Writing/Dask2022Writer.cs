using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.State;

namespace Scheduler.Core.Protocol.Writing;

/// <summary>distributed 2022.12's ops: keys are stringified (a tuple key is its repr), a task is a function, args and
/// kwargs.</summary>
public sealed class Dask2022Writer : MessageWriter
{
    public static readonly Dask2022Writer Instance = new();

    private Dask2022Writer() { }

    protected override object Key(string key) => TaskKeys.ToWireString(key);

    protected override MsgMap Op(ComputeTask t)
    {
        // A 2022 run spec is the client's {function, args, kwargs} map (or a single pickled task); Dask's field
        // order, built with Add only (Set on a map this size would build a lookup index).
        object? function = null, args = null, kwargs = null, runSpec = null;
        if (t.RunSpec is MsgMap spec)
        {
            foreach (var (k, v) in spec)
            {
                if (k is "function") function = v;
                else if (k is "args") args = v;
                else if (k is "kwargs") kwargs = v;
            }
        }
        else
        {
            runSpec = t.RunSpec;
        }
        var (whoHas, nbytes) = WhoHasAndNbytes(t.Dependencies);
        return new MsgMap(14)
            .Add("op", "compute-task")
            .Add("key", Key(t.Key))
            .Add("priority", PriorityOf(t.Priority))
            .Add("duration", t.Duration)
            .Add("stimulus_id", t.StimulusId)
            .Add("who_has", whoHas)
            .Add("nbytes", nbytes)
            .Add("run_spec", runSpec)
            .Add("function", function)
            .Add("args", args)
            .Add("kwargs", kwargs)
            .Add("resource_restrictions", t.ResourceRestrictions ?? EmptyMap)
            .Add("actor", t.Actor)
            .Add("annotations", t.Annotations ?? EmptyMap);
    }

    protected override MsgMap Op(KeyCancelled k) => new MsgMap(2).Add("op", "cancelled-key").Add("key", Key(k.Key));

    // 2022.12 workers learn of a dead peer when fetching from it fails.
    protected override MsgMap? Op(PeerRemoved p) => null;

    protected override MsgMap Request(GetData g) => new MsgMap(5)
        .Add("op", "get_data").Add("keys", Keys(g.Keys)).Add("who", null).Add("max_connections", false);

    protected override MsgMap Request(UpdateData u) => new MsgMap(4)
        .Add("op", "update_data").Add("data", u.Data).Add("report", false);
}
