namespace Scheduler.Core.Protocol.Dialects;

/// <summary>distributed 2022.12.1 (Debian 12): keys are stringified, a task is a function, args and kwargs.</summary>
internal sealed class Dask2022Dialect : DaskDialect
{
    public override string Name => "2022.12";

    public override Binding.MessageBinder Binder => Binding.MessageBinder.Dask2022;

    public override Writing.MessageWriter Writer => Writing.MessageWriter.Dask2022;

    public override bool TupleKeys => false;

    public override bool RefusesTasksOverMemoryLimit => false;
}
