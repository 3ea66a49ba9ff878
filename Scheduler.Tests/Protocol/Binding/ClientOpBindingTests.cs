using Scheduler.Core.Messages;
using Scheduler.Core.Protocol;
using Scheduler.Core.Protocol.Dialects;

namespace Scheduler.Tests.Protocol.Binding;

/// <summary>Each dialect's client ops become the stimuli the state consumes for every dialect.</summary>
public class ClientOpBindingTests
{
    private static MsgMap Release(string op) => new MsgMap().Add("op", op).Add("name", "q").Add("key", "x").Add("token", "t");

    [Theory]
    [InlineData("queue-future-release", "queue-future-release")]
    [InlineData("variable-future-received-confirm", "variable-future-release")]
    public void A_2024_getters_release_first_says_the_getter_holds_the_key(string op, string boundOp)
    {
        var ops = DaskDialect.Dask2024.Binder.BindClientOp("C", op, Release(op)).ToList();
        Assert.Equal(["client-desires-keys", boundOp], ops.Select(o => o.Op));
        Assert.Equal(["x"], Assert.IsType<KeysDesired>(ops[0].Message).Keys);
        Assert.All(ops, o => Assert.Equal("C", o.ClientId));
    }

    [Fact]
    public void A_2024_getters_tuple_key_and_client_are_the_ones_the_release_names()
    {
        var msg = new MsgMap().Add("op", "queue-future-release").Add("name", "q").Add("key", new object?[] { "x", 0L })
            .Add("client", "Client-getter");
        var ops = DaskDialect.Dask2024.Binder.BindClientOp("C", "queue-future-release", msg).ToList();
        Assert.Equal(["('x', 0)"], Assert.IsType<KeysDesired>(ops[0].Message).Keys);
        Assert.All(ops, o => Assert.Equal("Client-getter", o.Client));
    }

    [Fact]
    public void A_2022_client_tells_the_scheduler_itself_so_its_release_is_bound_as_it_is()
    {
        var op = Assert.Single(DaskDialect.Dask2022.Binder.BindClientOp("C", "queue-future-release", Release("queue-future-release")));
        Assert.Equal("queue-future-release", op.Op);
    }

    [Fact]
    public void A_2024_update_graph_that_cannot_be_read_is_a_refusal_for_that_graph_not_an_exception()
    {
        var msg = new MsgMap().Add("op", "update-graph").Add("graph_frames", new object?[] { new byte[] { 0x80, 0x05, 0xff } })
            .Add("keys", new object?[] { "x" });
        var op = Assert.Single(DaskDialect.Dask2024.Binder.BindClientOp("C", "update-graph", msg));
        Assert.Equal("update-graph-hlg", op.Op);
        Assert.Null(op.Preparation!.Graph);
        Assert.Contains("cannot read the graph's pickle", op.Preparation.Refusal);
    }
}
