using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;
using Scheduler.Core.Protocol.Dialects;
using Scheduler.Core.Protocol.Writing;
using Scheduler.Core.State;
using Scheduler.Host.Api;
using Scheduler.Tests.State;

namespace Scheduler.Tests.Protocol.Writing;

/// <summary>
/// identity, retire_workers' answer and /json/identity.json as before identity was a record: each expected map is built
/// from the scheduler's state as the state built it then, and compared, framed, with what each dialect's writer makes.
/// </summary>
public class IdentityWritingTests
{
    private static readonly DaskDialect[] Dialects = [DaskDialect.Dask2022, DaskDialect.Dask2024];

    private const string A = "tcp://a:1", Plain = "tcp://plain:2";

    /// <summary>A worker registered with everything identity echoes (its extra has a field of its own and one that
    /// identity already has, which the extra's value replaces in place), and one registered with none of it.</summary>
    private static Harness WithWorker(string address)
    {
        var h = new Harness();
        var msg = new MsgMap().Add("op", "register-worker").Add("address", address).Add("status", "running").Add("name", 3L)
                .Add("nthreads", 2L).Add("memory_limit", 1L << 30).Add("nanny", "tcp://a:9").Add("server_id", "Worker-" + address)
                .Add("resources", new MsgMap().Add("GPU", 1L)).Add("nbytes", new MsgMap())
                .Add("local_directory", "/tmp/w").Add("services", new MsgMap().Add("dashboard", 8787L))
                .Add("metrics", new MsgMap().Add("memory", 100L).Add("cpu", 0.5))
                .Add("extra", new MsgMap().Add("custom", new object?[] { 1L }).Add("host", "overridden"));
        h.Send(new WorkerConnected(address.GetHashCode(), msg));
        h.AddWorker(Plain);
        return h;
    }

    /// <summary>The old SchedulerState.WorkerIdentity, as it was.</summary>
    private static MsgMap OldIdentity(WorkerState ws)
    {
        var id = new MsgMap()
            .Add("type", "Worker")
            .Add("id", ws.Name)
            .Add("host", ws.Host)
            .Add("resources", ws.Resources.Copy())
            .Add("local_directory", ws.LocalDirectory)
            .Add("name", ws.Name)
            .Add("nthreads", (long)ws.NThreads)
            .Add("memory_limit", ws.MemoryLimit)
            .Add("last_seen", ws.LastSeen)
            .Add("services", ws.Services ?? new MsgMap())
            .Add("metrics", ws.Metrics ?? new MsgMap())
            .Add("status", ws.Status)
            .Add("nanny", ws.Nanny);
        if (ws.Extra is { } extra) foreach (var (k, v) in extra) id.Set(k!, v);
        return id;
    }

    /// <summary>The old SchedulerState.IdentityMessage, as it was.</summary>
    private static MsgMap OldIdentityMessage(SchedulerState s)
    {
        var workers = new MsgMap(s.Workers.Count);
        foreach (var ws in s.Workers.Values) workers.Add(ws.Address, OldIdentity(ws));
        var services = new MsgMap();
        if (s.Identity.DashboardPort is { } port) services.Add("dashboard", (long)port);
        return new MsgMap()
            .Add("type", "Scheduler")
            .Add("id", s.Identity.Id)
            .Add("address", s.Identity.Address)
            .Add("services", services)
            .Add("started", s.Identity.Started)
            .Add("workers", workers);
    }

    /// <summary>A worker's identity record, registered with every field, and what the old code made of the worker.</summary>
    internal static (WorkerIdentityInfo Info, MsgMap Before) RegisteredWorker(string address)
    {
        var h = WithWorker(address);
        return (h.State.IdentityReply().Workers.Single(w => w.Address == address), OldIdentity(h.State.Workers[address]));
    }

    private static void AssertWrittenAsBefore(RpcReply reply, object? before)
    {
        foreach (var dialect in Dialects)
            Assert.Equal(WireBytes.Of(before, dialect), WireBytes.Of(dialect.Writer.Write(reply), dialect));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(8787)]
    public void Identity_is_the_scheduler_and_each_worker_with_its_extra_over_its_fields(int? dashboard)
    {
        var h = WithWorker(A);
        h.State.Identity.DashboardPort = dashboard;
        var before = OldIdentityMessage(h.State);
        Assert.Equal(2, ((MsgMap)before["workers"]!).Count);
        Assert.Equal("overridden", ((MsgMap)((MsgMap)before["workers"]!)[A]!)["host"]);
        AssertWrittenAsBefore(h.State.IdentityReply(), before);
    }

    [Fact]
    public void The_http_route_writes_the_same_json_as_before()
    {
        var h = WithWorker(A);
        h.State.Identity.DashboardPort = 8787;
        Assert.Equal(MsgJson.ToNode(OldIdentityMessage(h.State))!.ToJsonString(),
            MsgJson.ToNode(MessageWriter.IdentityMap(h.State.IdentityReply()))!.ToJsonString());
    }

    [Fact]
    public void Retired_workers_are_their_identities_by_address_as_they_were_when_taken()
    {
        var h = WithWorker(A);
        var info = h.State.IdentityReply().Workers;
        var before = new MsgMap();
        foreach (var ws in h.State.Workers.Values) before.Add(ws.Address, OldIdentity(ws));
        h.State.Workers[A].Resources.Set("GPU", 0L); // after it was taken: not in what was taken
        h.State.Workers[A].LastSeen += 10;
        AssertWrittenAsBefore(new RetiredWorkers(info), before);
        AssertWrittenAsBefore(new RetiredWorkers([]), new MsgMap());
    }
}
