using Scheduler.Core.Diagnostics;
using Scheduler.Core.Protocol;
using Scheduler.Core.State;

namespace Scheduler.Tests.State;

/// <summary>call_stack, profile and benchmark_hardware: which workers are asked what, and how replies combine.</summary>
public class DiagnosticsTests
{
    private const string W1 = "tcp://127.0.0.1:1001", W2 = "tcp://127.0.0.1:1002", C = "Client-1";

    [Fact]
    public void Call_stack_for_keys_asks_only_the_workers_running_them_and_drops_empty_answers()
    {
        var h = new Harness();
        h.AddWorker(W1);
        h.AddWorker(W2);
        h.AddClient(C);
        h.Submit(C, [("a", []), ("b", ["a"])], ["b"]);
        var running = h.State.Tasks["a"].ProcessingOn!.Address;
        var (id, cmds) = h.Rpc("call_stack", new MsgMap().Add("keys", new object?[] { "b" }));
        var ask = Assert.IsType<BroadcastRpc>(Assert.Single(cmds, c => c is BroadcastRpc));
        // b waits on a: the worker running a is asked about a.
        Assert.Equal([running], ask.Targets.Select(t => t.Worker));
        Assert.Equal(new object?[] { "a" }, Harness.Wire(ask.PerWorker![running])["keys"]);

        cmds = h.Send(new RpcCompleted(id, new MsgMap().Add(running, new MsgMap().Add("a", new object?[] { "frame" }))));
        var reply = (MsgMap)Assert.Single(cmds.OfType<Reply>()).Written()!;
        Assert.Equal([running], reply.Select(p => (string)p.Key!));

        (id, _) = h.Rpc("call_stack", new MsgMap().Add("keys", null));
        cmds = h.Send(new RpcCompleted(id, new MsgMap().Add(W1, new MsgMap()).Add(W2, new MsgMap())));
        Assert.Empty((MsgMap)Assert.Single(cmds.OfType<Reply>()).Written()!);
    }

    [Fact]
    public void Profiles_from_workers_merge_by_identifier_with_counts_added()
    {
        static MsgMap Node(string id, long count, params MsgMap[] children)
        {
            var ch = new MsgMap();
            foreach (var c in children) ch.Add(c["identifier"], c);
            return new MsgMap().Add("description", new MsgMap().Add("name", id)).Add("children", ch).Add("count", count).Add("identifier", id);
        }
        var a = Node("root", 3, Node("f", 2, Node("g", 1)), Node("h", 1));
        var b = Node("root", 4, Node("f", 4));
        var merged = ProfileTree.Merge([a, b]);
        Assert.Equal(7L, merged["count"]);
        var f = (MsgMap)((MsgMap)merged["children"]!)["f"]!;
        Assert.Equal(6L, f["count"]);
        Assert.Equal(1L, ((MsgMap)((MsgMap)f["children"]!)["g"]!)["count"]);
        Assert.Equal(1L, ((MsgMap)((MsgMap)merged["children"]!)["h"]!)["count"]);
        Assert.Equal(0L, ProfileTree.Merge([])["count"]);
    }

    [Fact]
    public void Benchmark_hardware_without_workers_is_empty_and_with_workers_averages_each_phase()
    {
        var h = new Harness();
        var (_, cmds) = h.Rpc("benchmark_hardware");
        var empty = (MsgMap)Assert.Single(cmds.OfType<Reply>()).Written()!;
        Assert.Equal(["disk", "memory", "network"], empty.Select(p => (string)p.Key!).Order());
        Assert.All(empty, p => Assert.Empty((MsgMap)p.Value!));

        h.AddWorker(W1);
        h.AddWorker(W2);
        (var id, cmds) = h.Rpc("benchmark_hardware");
        Assert.Equal("benchmark_disk", Harness.Wire(Assert.IsType<BroadcastRpc>(Assert.Single(cmds, c => c is BroadcastRpc)).PerWorker![W1])["op"]);
        cmds = h.Send(new RpcCompleted(id, new MsgMap().Add(W1, new MsgMap().Add("1 kiB", 1.0)).Add(W2, new MsgMap().Add("1 kiB", 3.0))));
        Assert.Equal("benchmark_memory", Harness.Wire(Assert.IsType<BroadcastRpc>(Assert.Single(cmds, c => c is BroadcastRpc)).PerWorker![W2])["op"]);
        cmds = h.Send(new RpcCompleted(id, new MsgMap().Add(W1, new MsgMap().Add("1 kiB", 5.0))));
        var net = Assert.IsType<BroadcastRpc>(Assert.Single(cmds, c => c is BroadcastRpc));
        Assert.Equal(W2, Harness.Wire(net.PerWorker![W1])["address"]);
        cmds = h.Send(new RpcCompleted(id, new MsgMap().Add(W1, new MsgMap().Add("1 MiB", 0.5))));
        var result = (MsgMap)Assert.Single(cmds.OfType<Reply>()).Written()!;
        Assert.Equal(2.0, ((MsgMap)result["disk"]!)["1 kiB"]);
        Assert.Equal(5.0, ((MsgMap)result["memory"]!)["1 kiB"]);
        Assert.Equal(0.5, ((MsgMap)result["network"]!)["1 MiB"]);
    }
}
