using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;
using Scheduler.Core.Protocol.Dialects;
using Scheduler.Core.State;

namespace Scheduler.Tests.State;

/// <summary>
/// The state says the same to every peer; each peer's writer makes its version's op of it (as the host does with the
/// writer of the peer's connection), including nothing where a version has no such op.
/// </summary>
public class DialectWritingTests
{
    private const string W22 = "tcp://127.0.0.1:1", W24 = "tcp://127.0.0.1:2", W24b = "tcp://127.0.0.1:3";
    private const string C22 = "Client-2022", C24 = "Client-2024";

    [Fact]
    public void A_worker_leaving_is_told_to_2024_workers_and_to_no_2022_worker()
    {
        var h = new Harness();
        h.AddWorker(W22, dialect: DaskDialect.Dask2022);
        h.AddWorker(W24, dialect: DaskDialect.Dask2024);
        h.AddWorker(W24b, dialect: DaskDialect.Dask2024);

        var cmds = h.Send(new WorkerDisconnected(3, W24b));

        var told = cmds.OfType<ToWorker>().Where(c => c.Message is PeerRemoved).ToDictionary(c => c.Worker);
        Assert.Equal([W22, W24], told.Keys.Order());
        Assert.Null(Harness.Wire(told[W22], DaskDialect.Dask2022));
        var notice = Harness.Wire(told[W24], DaskDialect.Dask2024)!;
        Assert.Equal(["op", "worker", "stimulus_id"], notice.Select(p => (string)p.Key!));
        Assert.Equal(("remove-worker", W24b), (notice["op"], notice["worker"]));
    }

    [Fact]
    public void A_key_cancelled_for_clients_of_both_versions_is_each_ones_op()
    {
        var h = new Harness();
        h.AddWorker(W22, dialect: DaskDialect.Dask2022);
        h.AddClient(C22, DaskDialect.Dask2022);
        h.AddClient(C24, DaskDialect.Dask2024);
        h.Send(new ClientStreamOp(C22, "client-desires-keys", new MsgMap().Add("keys", new object?[] { "('x', 0)" })));
        h.Send(new ClientStreamOp(C24, "client-desires-keys", new MsgMap().Add("keys", new object?[] { "('x', 0)" })));

        var (_, cmds) = h.Rpc("cancel", new MsgMap().Add("keys", new object?[] { "('x', 0)" }).Add("client", C22).Add("force", true));

        var to22 = Assert.Single(Harness.ToClient(cmds, C22, "cancelled-key", DaskDialect.Dask2022));
        Assert.Equal("('x', 0)", to22["key"]);
        var to24 = Assert.Single(Harness.ToClient(cmds, C24, "cancelled-keys", DaskDialect.Dask2024));
        var keys = Assert.IsType<object?[]>(to24["keys"]);
        Assert.Equal("('x', 0)", TaskKeys.FromWire(Assert.Single(keys)));
    }

    [Fact]
    public void A_2024_worker_is_sent_the_run_it_is_to_echo()
    {
        var h = new Harness();
        h.AddWorker(W24, dialect: DaskDialect.Dask2024);
        h.AddClient(C24, DaskDialect.Dask2024);

        var cmds = h.Submit(C24, [("('x', 0)", [])], ["('x', 0)"]);

        var (worker, m) = Assert.Single(Harness.ComputeTasks(cmds, DaskDialect.Dask2024));
        Assert.Equal(W24, worker);
        Assert.Equal(h.State.Tasks["('x', 0)"].RunId, m["run_id"]);
        Assert.Null(m["function"]);
        Assert.True(m.ContainsKey("span_id"));
    }
}
