using Scheduler.Core.Protocol;
using Scheduler.Core.State;

namespace Scheduler.Tests.State;

/// <summary>Keys in RPC arguments that the client did not stringify (tuples arrive as msgpack arrays).</summary>
public class ClientKeyTests
{
    private const string W1 = "tcp://127.0.0.1:1001", C = "Client-1";

    [Fact]
    public void A_tuple_key_sent_as_an_array_names_the_task_with_that_repr()
    {
        Assert.Equal("('map-abc', 0)", TaskKeys.FromClient(new object?[] { "map-abc", 0L }));
        Assert.Equal("('x', (1, 2.5), None)", TaskKeys.FromClient(new object?[] { "x", new object?[] { 1L, 2.5 }, null }));
        Assert.Equal("plain", TaskKeys.FromClient("plain"));
        Assert.Null(TaskKeys.FromClient(new object?[] { new MsgMap() }));

        var h = new Harness();
        h.AddWorker(W1);
        h.AddClient(C);
        h.Submit(C, [("('map-abc', 0)", [])], ["('map-abc', 0)"]);
        h.Err(W1, "('map-abc', 0)");
        // The replay extension (recreate_error_locally) passes future.key as it is: a tuple.
        var (_, cmds) = h.Rpc("get_error_cause", new MsgMap().Add("keys", new object?[] { new object?[] { "map-abc", 0L } }));
        Assert.Equal("('map-abc', 0)", TaskKeys.FromWire(Assert.Single(cmds.OfType<Reply>()).Written()));
        (_, cmds) = h.Rpc("get_runspec", new MsgMap().Add("key", new object?[] { "map-abc", 0L }));
        Assert.NotNull(((MsgMap)Assert.Single(cmds.OfType<Reply>()).Written()!)["task"]);
    }
}

/// <summary>set_resources / set_restrictions from workers and clients.</summary>
public class WorkerResourceTests
{
    private const string W1 = "tcp://127.0.0.1:1001", C = "Client-1";

    [Fact]
    public void A_worker_that_gains_a_resource_gets_the_tasks_waiting_for_it()
    {
        var h = new Harness();
        h.AddWorker(W1);
        h.AddClient(C);
        var cmds = h.Submit(C, [("needs-gpu", [])], ["needs-gpu"], annotations: new MsgMap().Add("resources", new MsgMap().Add("GPU", 1L)));
        Assert.Empty(Harness.ComputeTasks(cmds));
        Assert.Equal(TaskStatus.NoWorker, h.StatusOf("needs-gpu"));
        (_, cmds) = h.Rpc("set_resources", new MsgMap().Add("worker", W1).Add("resources", new MsgMap().Add("GPU", 1L)));
        Assert.Equal("OK", Assert.Single(cmds.OfType<Reply>()).Written());
        Assert.Equal("needs-gpu", Assert.Single(Harness.ComputeTasks(cmds)).Msg["key"]);
    }
}

/// <summary>client-ttl: a connected client that goes silent is removed and its keys released.</summary>
public class SilentClientTests
{
    private const string W1 = "tcp://127.0.0.1:1001", C = "Client-1", C2 = "Client-2";

    [Fact]
    public void A_client_silent_longer_than_the_ttl_loses_its_stream_and_keys_while_a_heartbeating_one_stays()
    {
        var h = new Harness(new Scheduler.Core.Config.SchedulerConfig { ClientTtl = 60 });
        h.AddWorker(W1);
        h.AddClient(C);
        h.AddClient(C2);
        h.Submit(C, [("a", [])], ["a"]);
        h.Finish(W1, "a");
        h.Send(new ClientStreamOp(C2, "heartbeat-client", new MsgMap()), advance: 50);
        var cmds = h.Send(new Tick(), advance: 20); // C: 70 s silent; C2: 20 s
        Assert.Single(Harness.ToClient(cmds, C, "stream-closed"));
        Assert.Contains(cmds, c => c is CloseClientStream { Client: C });
        Assert.False(h.State.Clients.ContainsKey(C));
        Assert.True(h.State.Clients.ContainsKey(C2));
        Assert.Equal(TaskStatus.Forgotten, h.StatusOf("a")); // nobody wants it any more
        Assert.Single(Harness.ToWorker(cmds, W1, "free-keys"));

        var never = new Harness(new Scheduler.Core.Config.SchedulerConfig { ClientTtl = null });
        never.AddClient(C);
        Assert.DoesNotContain(never.Send(new Tick(), advance: 10_000), c => c is CloseClientStream);
    }
}
