namespace Scheduler.Core.Protocol.Dialects;

/// <summary>
/// distributed 2024.12.1 (Debian 13, testing, unstable): keys are tuples, a task is one pickled run_spec, and each
/// dispatch has a run_id the worker echoes.
/// </summary>
internal sealed class Dask2024Dialect : DaskDialect
{
    public override string Name => "2024.12";

    public override Binding.MessageBinder Binder => Binding.MessageBinder.Dask2024;

    public override Writing.MessageWriter Writer => Writing.MessageWriter.Dask2024;

    public override bool TupleKeys => true;

    public override bool RefusesTasksOverMemoryLimit => true;
}
