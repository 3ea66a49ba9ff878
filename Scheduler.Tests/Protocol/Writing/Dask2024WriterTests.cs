using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;
using Scheduler.Core.Protocol.Dialects;
using Scheduler.Core.Protocol.Writing;
using Scheduler.Core.State;

namespace Scheduler.Tests.Protocol.Writing;

/// <summary>
/// The ops as distributed 2024.12.1 reads them: its worker builds its events from compute-task's fields exactly, and
/// its keys are tuples. Each expected message is built as the scheduler built it before the writers (keys through
/// <see cref="TaskKeys.ToWire"/>, which the encoder writes as tuples for this dialect), and the bytes are compared.
/// </summary>
public class Dask2024WriterTests
{
    private static readonly MessageWriter W = DaskDialect.Dask2024.Writer;
    private static readonly DaskDialect D = DaskDialect.Dask2024;

    /// <summary>The fields of distributed.worker_state_machine.ComputeTaskEvent (2024.12.1), with "op".</summary>
    private static readonly string[] ComputeTaskEventFields =
        ["op", "key", "run_id", "priority", "duration", "stimulus_id", "who_has", "nbytes", "run_spec",
         "resource_restrictions", "actor", "annotations", "span_id"];

    [Fact]
    public void Compute_task_has_exactly_the_event_fields_with_the_run_id_and_the_pickled_run_spec()
    {
        var runSpec = new Pickled(new byte[] { 0x80 }, []);
        var m = W.Write(Dask2022WriterTests.Task(runSpec))!;
        Assert.Equal(ComputeTaskEventFields, WireBytes.Fields(m));
        var expected = new MsgMap()
            .Add("op", "compute-task").Add("key", TaskKeys.ToWire("('x', 0)")).Add("run_id", 7L)
            .Add("priority", new Priority(0, 1, 2.5).ToWire()).Add("duration", 0.5).Add("stimulus_id", "compute-task-1.5")
            .Add("who_has", new MsgMap().Add(TaskKeys.ToWire("('y', 1)"), new object?[] { "tcp://a:1" }).Add("z", new object?[] { "tcp://a:1", "tcp://b:2" }))
            .Add("nbytes", new MsgMap().Add(TaskKeys.ToWire("('y', 1)"), 10L).Add("z", 20L))
            .Add("run_spec", runSpec).Add("resource_restrictions", new MsgMap()).Add("actor", false)
            .Add("annotations", new MsgMap().Add("retries", 2L)).Add("span_id", null);
        Assert.Equal(WireBytes.Of(expected, D), WireBytes.Of(m, D));
    }

    [Fact]
    public void A_cancelled_key_is_cancelled_keys_with_a_list()
    {
        var m = W.Write(new KeyCancelled("('x', 0)"));
        Assert.Equal(WireBytes.Of(new MsgMap().Add("op", "cancelled-keys").Add("keys", new object?[] { TaskKeys.ToWire("('x', 0)") }), D),
            WireBytes.Of(m, D));
    }

    [Fact]
    public void Get_data_has_no_max_connections_and_update_data_no_report()
    {
        var get = W.Write(new GetData(["a", "('x', 0)"]));
        Assert.Equal(WireBytes.Of(new MsgMap().Add("op", "get_data").Add("keys", new object?[] { "a", TaskKeys.ToWire("('x', 0)") })
            .Add("who", null).Add("reply", true), D), WireBytes.Of(get, D));
        Assert.Equal(["op", "data", "reply"], WireBytes.Fields(W.Write(new UpdateData(new MsgMap()))));
    }

    [Fact]
    public void Every_remaining_worker_is_told_that_one_left()
    {
        var m = W.Write(new PeerRemoved("tcp://a:1", "remove-1"))!;
        Assert.Equal(WireBytes.Of(new MsgMap().Add("op", "remove-worker").Add("worker", "tcp://a:1").Add("stimulus_id", "remove-1"), D),
            WireBytes.Of(m, D));
    }

    [Fact]
    public void Tuple_keys_are_tuples_wherever_a_key_is_written_and_a_repr_that_is_no_tuple_stays_a_string()
    {
        static byte[] Plain(object? value) => WireBytes.Of(new MsgMap().Add("v", value), D);
        Assert.Equal(Plain(new object?[] { "x", new object?[] { 1L, 2.5 } }), Plain(W.Write(new KeyLost("('x', (1, 2.5))"))["key"]));
        Assert.Equal(Plain(new object?[] { new object?[] { "x", 0L } }), Plain(W.Write(new FreeKeys(["('x', 0)"], "s"))!["keys"]));
        var whoHas = Assert.IsType<MsgMap>(W.Write(new RefreshWhoHas([new KeyHolders("('x', 0)", ["tcp://a:1"])], "s"))!["who_has"]);
        Assert.Equal(Plain(new MsgMap().Add(new object?[] { "x", 0L }, new object?[] { "tcp://a:1" })), Plain(whoHas));
        Assert.Equal(Plain("(not a tuple"), Plain(W.Write(new KeyLost("(not a tuple"))["key"]));
    }
}
