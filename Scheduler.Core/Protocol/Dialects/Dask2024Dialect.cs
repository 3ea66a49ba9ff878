namespace Scheduler.Core.Protocol.Dialects;

/// <summary>
/// distributed 2024.12.1 (Debian 13, testing, unstable): keys are tuples, a task is one pickled run_spec, and each
/// dispatch has a run_id the worker echoes. The worker builds its event classes from these fields exactly
/// (a missing or extra field is a TypeError that shuts it down), so nothing else is sent.
/// </summary>
internal sealed class Dask2024Dialect : DaskDialect
{
    public override string Name => "2024.12";

    public override Binding.MessageBinder Binder => Binding.MessageBinder.Dask2024;

    public override Writing.MessageWriter Writer => Writing.MessageWriter.Dask2024;

    public override bool TupleKeys => true;

    public override MsgMap ComputeTask(in ComputeTaskFields t) => new MsgMap(14)
        .Add("op", "compute-task")
        .Add("key", t.Key)
        .Add("run_id", t.RunId)
        .Add("priority", t.Priority)
        .Add("duration", t.Duration)
        .Add("stimulus_id", t.StimulusId)
        .Add("who_has", t.WhoHas)
        .Add("nbytes", t.Nbytes)
        .Add("run_spec", t.RunSpec)
        .Add("resource_restrictions", t.ResourceRestrictions)
        .Add("actor", t.Actor)
        .Add("annotations", t.Annotations)
        .Add("span_id", t.SpanId);

    // The client has no handler for 2022's cancelled-key: its futures would stay pending.
    public override MsgMap CancelledKey(object wireKey) => new MsgMap(2).Add("op", "cancelled-keys").Add("keys", new object?[] { wireKey });

    public override MsgMap GetData(object?[] wireKeys) => new MsgMap(4)
        .Add("op", "get_data").Add("keys", wireKeys).Add("who", null).Add("reply", true);

    public override MsgMap UpdateData(MsgMap data) => new MsgMap(3)
        .Add("op", "update_data").Add("data", data).Add("reply", true);

    public override MsgMap? RemoveWorker(string worker, string stimulusId) => new MsgMap(3)
        .Add("op", "remove-worker").Add("worker", worker).Add("stimulus_id", stimulusId);
}
