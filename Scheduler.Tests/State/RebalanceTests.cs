using Scheduler.Core.Config;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;
using Scheduler.Core.State;

namespace Scheduler.Tests.State;

/// <summary>rebalance: which keys move where, and the two transfer rounds (copy, then drop from the sender).</summary>
public class RebalanceTests
{
    private const string W1 = "tcp://127.0.0.1:1001", W2 = "tcp://127.0.0.1:1002", C = "Client-1";

    private static Harness ClusterWithKeysOnW1(int keys, long nbytes)
    {
        // Measure managed memory without thresholds, as Dask's own rebalance tests do.
        var h = new Harness(new SchedulerConfig { RebalanceMeasure = "managed", RebalanceSenderMin = 0, RebalanceHalfGap = 0 });
        h.AddWorker(W1);
        h.AddWorker(W2);
        h.AddClient(C);
        foreach (var w in new[] { W1, W2 })
            h.Rpc("heartbeat_worker", new MsgMap().Add("address", w).Add("metrics", new MsgMap()
                .Add("memory", 100_000_000L).Add("spilled_bytes", new MsgMap().Add("memory", 0L).Add("disk", 0L))));
        var whoHas = new MsgMap();
        var sizes = new MsgMap();
        for (int i = 0; i < keys; i++)
        {
            whoHas.Add($"k{i}", new object?[] { W1 });
            sizes.Add($"k{i}", nbytes);
        }
        h.Rpc("update_data", new MsgMap().Add("who_has", whoHas).Add("nbytes", sizes).Add("client", C));
        return h;
    }

    [Fact]
    public void Half_the_data_of_a_loaded_worker_moves_to_an_empty_one_copy_first_then_delete()
    {
        var h = ClusterWithKeysOnW1(10, 1000);
        var (id, cmds) = h.Rpc("rebalance", new MsgMap().Add("keys", null).Add("workers", null));
        var copy = Assert.IsType<ReplicateRound>(Assert.Single(cmds, c => c is ReplicateRound));
        Assert.Empty(copy.Deletes);
        var toW2 = Assert.Single(copy.Gathers);
        Assert.Equal(W2, toW2.Key);
        var whoHas = Assert.IsType<MsgMap>(Harness.Wire(new GatherReplicas(toW2.Value))["who_has"]);
        Assert.Equal(5, whoHas.Count);
        Assert.All(whoHas, kv => Assert.Equal(new object?[] { W1 }, kv.Value));
        var moved = whoHas.Select(kv => (string)kv.Key!).ToList();

        // Only keys copied successfully are dropped from the sender: k of the five fails.
        var copied = moved.Skip(1).ToList();
        cmds = h.Send(new ReplicateRoundDone(copy.Request, 0, new Dictionary<string, List<string>>(),
            new Dictionary<string, List<string>> { [W2] = copied }));
        var delete = Assert.IsType<ReplicateRound>(Assert.Single(cmds, c => c is ReplicateRound));
        Assert.Equal(copied, Assert.Single(delete.Deletes).Value);
        Assert.Equal(W1, delete.Deletes.Single().Key);

        cmds = h.Send(new ReplicateRoundDone(delete.Request, 1, delete.Deletes.ToDictionary(p => p.Key, p => p.Value),
            new Dictionary<string, List<string>>()));
        var reply = Assert.Single(cmds.OfType<Reply>(), r => r.ReplyId == id);
        Assert.Equal("OK", ((MsgMap)reply.Written()!)["status"]); // no keys named: a failed key is not reported
        foreach (var k in copied) Assert.Equal([W2], h.State.Tasks[k].WhoHas.Select(w => w.Address));
        Assert.Equal([W1], h.State.Tasks[moved[0]].WhoHas.Select(w => w.Address));
    }

    [Fact]
    public void Named_keys_that_are_missing_fail_and_unknown_workers_are_a_KeyError()
    {
        var h = ClusterWithKeysOnW1(2, 10);
        var (_, cmds) = h.Rpc("rebalance", new MsgMap().Add("keys", new object?[] { "k0", "nope" }));
        var reply = (MsgMap)Assert.Single(cmds.OfType<Reply>()).Written()!;
        Assert.Equal("partial-fail", reply["status"]);
        Assert.Equal(new object?[] { "nope" }, reply["keys"]);

        (_, cmds) = h.Rpc("rebalance", new MsgMap().Add("workers", new object?[] { "tcp://127.0.0.1:9" }));
        Assert.Equal("uncaught-error", ((MsgMap)Assert.Single(cmds.OfType<Reply>()).Written()!)["status"]);
        Assert.DoesNotContain(cmds, c => c is ReplicateRound);
    }

    [Fact]
    public void A_recipient_that_already_holds_the_key_is_skipped()
    {
        var h = ClusterWithKeysOnW1(4, 1000);
        // W2 already has k0..k3 as well: nothing may move (rebalance never degrades replication).
        var whoHas = new MsgMap();
        for (int i = 0; i < 4; i++) whoHas.Add($"k{i}", new object?[] { W1, W2 });
        h.Rpc("update_data", new MsgMap().Add("who_has", whoHas));
        var (_, cmds) = h.Rpc("rebalance", new MsgMap().Add("keys", null));
        Assert.DoesNotContain(cmds, c => c is ReplicateRound);
        Assert.Equal("OK", ((MsgMap)Assert.Single(cmds.OfType<Reply>()).Written()!)["status"]);
    }
}
