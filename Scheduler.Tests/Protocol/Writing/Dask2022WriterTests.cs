using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;
using Scheduler.Core.Protocol.Dialects;
using Scheduler.Core.Protocol.Writing;
using Scheduler.Core.State;

namespace Scheduler.Tests.Protocol.Writing;

/// <summary>
/// The ops as distributed 2022.12.1 reads them. Each expected message is built field by field as the scheduler built
/// it before the writers (keys through <see cref="TaskKeys.ToWire"/>), and the bytes are compared.
/// </summary>
public class Dask2022WriterTests
{
    private static readonly MessageWriter W = DaskDialect.Dask2022.Writer;
    private static readonly DaskDialect D = DaskDialect.Dask2022;

    private static readonly MsgMap Spec = new MsgMap().Add("function", new byte[] { 1 }).Add("args", new byte[] { 2 }).Add("kwargs", new byte[] { 3 });

    internal static ComputeTask Task(object? runSpec, string key = "('x', 0)") => new(
        key, new Priority(0, 1, 2.5), 0.5, "compute-task-1.5",
        [new KeyReplicas("('y', 1)", ["tcp://a:1"], 10), new KeyReplicas("z", ["tcp://a:1", "tcp://b:2"], 20)],
        runSpec, ResourceRestrictions: null, Actor: false, Annotations: new MsgMap().Add("retries", 2L), RunId: 7, SpanId: null);

    [Fact]
    public void Compute_task_has_the_function_args_and_kwargs_of_the_spec_in_Dasks_field_order()
    {
        var m = W.Write(Task(Spec))!;
        var expected = new MsgMap()
            .Add("op", "compute-task").Add("key", TaskKeys.ToWire("('x', 0)"))
            .Add("priority", new Priority(0, 1, 2.5).ToWire()).Add("duration", 0.5).Add("stimulus_id", "compute-task-1.5")
            .Add("who_has", new MsgMap().Add(TaskKeys.ToWire("('y', 1)"), new object?[] { "tcp://a:1" }).Add("z", new object?[] { "tcp://a:1", "tcp://b:2" }))
            .Add("nbytes", new MsgMap().Add(TaskKeys.ToWire("('y', 1)"), 10L).Add("z", 20L))
            .Add("run_spec", null).Add("function", new byte[] { 1 }).Add("args", new byte[] { 2 }).Add("kwargs", new byte[] { 3 })
            .Add("resource_restrictions", new MsgMap()).Add("actor", false).Add("annotations", new MsgMap().Add("retries", 2L));
        Assert.Equal(WireBytes.Of(expected, D), WireBytes.Of(m, D));
        Assert.Equal("('x', 0)", m["key"]); // a 2022.12 worker's keys are strings
    }

    [Fact]
    public void A_pickled_task_goes_as_run_spec_and_a_task_without_a_priority_as_zero()
    {
        var pickled = new byte[] { 0x80, 5 };
        var m = W.Write(Task(pickled) with { Priority = null })!;
        Assert.Same(pickled, m["run_spec"]);
        Assert.Null(m["function"]);
        Assert.Equal(new object?[] { 0L }, m["priority"]);
    }

    [Fact]
    public void A_cancelled_key_is_cancelled_key_with_the_key()
    {
        var m = W.Write(new KeyCancelled("('x', 0)"));
        Assert.Equal(WireBytes.Of(new MsgMap().Add("op", "cancelled-key").Add("key", TaskKeys.ToWire("('x', 0)")), D), WireBytes.Of(m, D));
    }

    [Fact]
    public void Get_data_and_update_data_carry_the_2022_arguments()
    {
        var get = W.Write(new GetData(["a", "('x', 0)"]));
        Assert.Equal(WireBytes.Of(new MsgMap().Add("op", "get_data").Add("keys", new object?[] { "a", TaskKeys.ToWire("('x', 0)") })
            .Add("who", null).Add("max_connections", false).Add("reply", true), D), WireBytes.Of(get, D));
        var data = new MsgMap().Add("a", new byte[] { 1 });
        var update = W.Write(new UpdateData(data));
        Assert.Equal(["op", "data", "report", "reply"], WireBytes.Fields(update));
        Assert.Same(data, update["data"]);
        Assert.Equal(false, update["report"]);
    }

    [Fact]
    public void A_2022_worker_is_not_told_that_another_left()
    {
        Assert.Null(W.Write(new PeerRemoved("tcp://a:1", "remove-1")));
    }

    [Fact]
    public void A_bytes_key_goes_as_bytes()
    {
        var key = TaskKeys.FromWire(new byte[] { 0x61, 0xff })!;
        Assert.Equal(new byte[] { 0x61, 0xff }, W.Write(new KeyLost(key))["key"]);
        Assert.Equal(new byte[] { 0x61, 0xff }, DaskDialect.Dask2024.Writer.Write(new KeyLost(key))["key"]);
    }
}
