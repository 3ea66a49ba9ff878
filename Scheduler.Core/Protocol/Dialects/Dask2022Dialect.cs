namespace Scheduler.Core.Protocol.Dialects;

/// <summary>distributed 2022.12.1 (Debian 12): keys are stringified, a task is a function, args and kwargs.</summary>
internal sealed class Dask2022Dialect : DaskDialect
{
    public override string Name => "2022.12";

    public override Binding.MessageBinder Binder => Binding.MessageBinder.Dask2022;

    public override Writing.MessageWriter Writer => Writing.MessageWriter.Dask2022;

    public override bool TupleKeys => false;

    public override MsgMap ComputeTask(in ComputeTaskFields t)
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
        return new MsgMap(14)
            .Add("op", "compute-task")
            .Add("key", t.Key)
            .Add("priority", t.Priority)
            .Add("duration", t.Duration)
            .Add("stimulus_id", t.StimulusId)
            .Add("who_has", t.WhoHas)
            .Add("nbytes", t.Nbytes)
            .Add("run_spec", runSpec)
            .Add("function", function)
            .Add("args", args)
            .Add("kwargs", kwargs)
            .Add("resource_restrictions", t.ResourceRestrictions)
            .Add("actor", t.Actor)
            .Add("annotations", t.Annotations);
    }

    public override MsgMap CancelledKey(object wireKey) => new MsgMap(2).Add("op", "cancelled-key").Add("key", wireKey);

    public override MsgMap GetData(object?[] wireKeys) => new MsgMap(5)
        .Add("op", "get_data").Add("keys", wireKeys).Add("who", null).Add("max_connections", false).Add("reply", true);

    public override MsgMap UpdateData(MsgMap data) => new MsgMap(4)
        .Add("op", "update_data").Add("data", data).Add("report", false).Add("reply", true);

    // 2022.12 workers learn of a dead peer when fetching from it fails.
    public override MsgMap? RemoveWorker(string worker, string stimulusId) => null;
}
