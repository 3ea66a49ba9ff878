using System.Reflection;
using Scheduler.Core.Messages;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;
using Scheduler.Core.Protocol.Dialects;
using Scheduler.Core.State;

namespace Scheduler.Tests.Protocol.Writing;

/// <summary>
/// Every outgoing record, found by reflection, is written by both dialects' writers, and the ops that differ between
/// the dialects are exactly those docs/protocol.md lists. A record added without a writer case fails here.
/// </summary>
public class WriterCoverageTests
{
    private static readonly DaskDialect[] Dialects = [DaskDialect.Dask2022, DaskDialect.Dask2024];

    private static readonly Type[] Bases = [typeof(WorkerOp), typeof(ClientOp), typeof(WorkerRpc), typeof(RegistrationReply)];

    private static readonly Type[] RecordTypes = typeof(WorkerOp).Assembly.GetTypes()
        .Where(t => !t.IsAbstract && Bases.Any(b => b.IsAssignableFrom(t))).OrderBy(t => t.Name).ToArray();

    public static TheoryData<Type> Records() => new(RecordTypes);

    private static readonly Type[] ReplyTypes = typeof(RpcReply).Assembly.GetTypes()
        .Where(t => !t.IsAbstract && typeof(RpcReply).IsAssignableFrom(t)).OrderBy(t => t.Name).ToArray();

    public static TheoryData<Type> Replies() => new(ReplyTypes);

    private static readonly Type[] EventTypes = typeof(LoggedEvent).Assembly.GetTypes()
        .Where(t => !t.IsAbstract && typeof(LoggedEvent).IsAssignableFrom(t)).OrderBy(t => t.Name).ToArray();

    public static TheoryData<Type> Events() => new(EventTypes);

    /// <summary>One of the record, with a value for every field (plain keys: tuple keys are tested per dialect).</summary>
    internal static object Sample(Type type)
    {
        if (type.GetField("Instance", BindingFlags.Public | BindingFlags.Static) is { } single) return single.GetValue(null)!;
        var ctor = type.GetConstructors()
            .Where(c => c.GetParameters() is not [{ } only] || only.ParameterType != type)
            .OrderByDescending(c => c.GetParameters().Length).First();
        return ctor.Invoke(ctor.GetParameters().Select(p => Value(p.ParameterType, type)).ToArray());
    }

    private static object? Value(Type type, Type record)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string)) return "k-1";
        if (type == typeof(IReadOnlyList<string>)) return new[] { "k-1", "k-2" };
        if (type == typeof(IReadOnlyList<KeyHolders>)) return new[] { new KeyHolders("k-1", ["tcp://a:1"]) };
        if (type == typeof(IReadOnlyList<WorkerKeys>)) return new[] { new WorkerKeys("tcp://a:1", ["k-1"]) };
        if (type == typeof(IReadOnlyList<GroupProgress>)) return new[] { new GroupProgress("inc", 3, 1) };
        if (type == typeof(IReadOnlyList<TransitionRecord>))
            return new[] { TransitionRecord.Create("k-1", Scheduler.Core.State.TaskStatus.Released, Scheduler.Core.State.TaskStatus.Waiting, [], "s-1", 1.5) };
        if (type == typeof(IReadOnlyList<StoredValueReply>)) return new StoredValueReply[] { new StoredData(1L), new StoredFuture("k-1", "t", null, null, null) };
        if (type == typeof(Scheduler.Core.State.TaskStatus)) return Scheduler.Core.State.TaskStatus.Erred;
        if (type == typeof(IReadOnlyList<SizeDuration>)) return new[] { new SizeDuration("1 kiB", 0.5) };
        if (type == typeof(IReadOnlyList<TaskStreamRecord>))
            return new[] { new TaskStreamRecord("k-1", "tcp://a:1", [new StartStop("compute", 1, 2)], new MsgMap().Add("op", "task-finished").Add("thread", 1L), null) };
        if (type == typeof(IReadOnlyList<KeySize>)) return new[] { new KeySize("k-1", 5) };
        if (type == typeof(IReadOnlyList<KeyStatus>)) return new[] { new KeyStatus("k-1", Scheduler.Core.State.TaskStatus.Memory) };
        if (type == typeof(IReadOnlyList<KeyReplicas>)) return new[] { new KeyReplicas("k-1", ["tcp://a:1", "tcp://b:2"], 5) };
        if (type == typeof(LoggedEvent)) return new WorkerAdded("tcp://a:1", UnderOwnTopic: false);
        if (type == typeof(IReadOnlyList<TimedEvent>)) return new[] { new TimedEvent(1.5, new StealConfirmed("k-1", "tcp://a:1", "tcp://b:2", "s-1")) };
        if (type == typeof(IReadOnlyList<TopicLog>)) return new[] { new TopicLog("all", [new TimedEvent(1.5, new Rebalanced(2))]) };
        if (type == typeof(IReadOnlyList<WorkerIdentityInfo>)) return new[] { (WorkerIdentityInfo)Sample(typeof(WorkerIdentityInfo)) };
        if (type == typeof(MsgMap) && record == typeof(ForwardedRpc)) return new MsgMap().Add("op", "echo").Add("data", 1L);
        if (type == typeof(MsgMap)) return new MsgMap().Add("a", 1L);
        if (type == typeof(object)) return "v";
        if (type == typeof(double)) return 1.5;
        if (type == typeof(long)) return 7L;
        if (type == typeof(bool)) return true;
        if (type == typeof(byte[])) return new byte[] { 1 };
        if (type == typeof(Priority)) return new Priority(1, 2);
        throw new InvalidOperationException($"no sample value of {type.Name} for {record.Name}: add one here");
    }

    private static MsgMap? Write(DaskDialect dialect, object record) => record switch
    {
        WorkerOp op => dialect.Writer.Write(op),
        ClientOp op => dialect.Writer.Write(op),
        WorkerRpc rpc => dialect.Writer.Write(rpc),
        RegistrationReply reply => dialect.Writer.Write(reply),
        _ => throw new ArgumentException(record.GetType().Name),
    };

    [Fact]
    public void The_records_are_found()
    {
        var found = RecordTypes.ToHashSet();
        Assert.Superset(new HashSet<Type> { typeof(ComputeTask), typeof(KeyInMemory), typeof(GetData), typeof(WorkerAccepted) }, found);
        Assert.True(found.Count >= 35, $"{found.Count} records");
    }

    [Theory]
    [MemberData(nameof(Records))]
    public void Each_record_is_written_by_both_dialects_as_an_op_that_encodes(Type type)
    {
        var record = Sample(type);
        foreach (var dialect in Dialects)
        {
            var m = Write(dialect, record);
            if (record is PeerRemoved && dialect == DaskDialect.Dask2022)
            {
                Assert.Null(m); // the one op a dialect has not
                continue;
            }
            Assert.NotNull(m);
            if (record is RegistrationReply) Assert.IsType<string>(m["status"]);
            else Assert.IsType<string>(m["op"]);
            Assert.NotEmpty(WireBytes.Of(m, dialect));
        }
    }

    [Fact]
    public void The_logged_events_are_found()
    {
        Assert.Superset(new HashSet<Type> { typeof(PeerEvent), typeof(WorkerPeerEvent), typeof(WorkerAdded), typeof(WorkersRetired) },
            EventTypes.ToHashSet());
        Assert.True(EventTypes.Length >= 15, $"{EventTypes.Length} events");
    }

    [Theory]
    [MemberData(nameof(Events))]
    public void Each_logged_event_is_written_by_both_dialects_alike_the_schedulers_own_as_an_action(Type type)
    {
        var e = (LoggedEvent)Sample(type);
        var w22 = DaskDialect.Dask2022.Writer.Write(e);
        var w24 = DaskDialect.Dask2024.Writer.Write(e);
        if (e is not (PeerEvent or WorkerPeerEvent)) Assert.IsType<string>(Assert.IsType<MsgMap>(w22)["action"]);
        Assert.Equal(WireBytes.Of(w22, DaskDialect.Dask2022), WireBytes.Of(w24, DaskDialect.Dask2024));
    }

    [Theory]
    [MemberData(nameof(Replies))]
    public void Each_reply_is_written_by_both_dialects_alike_as_a_value_that_encodes(Type type)
    {
        var reply = (RpcReply)Sample(type);
        var m22 = DaskDialect.Dask2022.Writer.Write(reply);
        var m24 = DaskDialect.Dask2024.Writer.Write(reply);
        // Plain keys: a reply differs between the versions only in how it names a tuple key.
        Assert.Equal(WireBytes.Of(m22, DaskDialect.Dask2022), WireBytes.Of(m24, DaskDialect.Dask2024));
    }

    [Fact]
    public void Only_the_ops_the_versions_send_differently_differ()
    {
        var differ = new List<string>();
        foreach (var type in RecordTypes)
        {
            var record = Sample(type);
            var m22 = Write(DaskDialect.Dask2022, record);
            var m24 = Write(DaskDialect.Dask2024, record);
            if (m22 == null || m24 == null || !WireBytes.Of(m22, DaskDialect.Dask2022).SequenceEqual(WireBytes.Of(m24, DaskDialect.Dask2024)))
                differ.Add(type.Name);
        }
        Assert.Equal(["ComputeTask", "GetData", "KeyCancelled", "PeerRemoved", "UpdateData"], differ.Order());
    }

    [Theory]
    [MemberData(nameof(Records))]
    public void A_request_asks_for_a_reply_and_a_broadcast_one_also_closes_its_comm(Type type)
    {
        if (!typeof(WorkerRpc).IsAssignableFrom(type)) return;
        var rpc = (WorkerRpc)Sample(type);
        foreach (var dialect in Dialects)
        {
            Assert.Equal("reply", WireBytes.Fields(dialect.Writer.Write(rpc))[^1]);
            Assert.Equal(["close", "reply"], WireBytes.Fields(dialect.Writer.WriteClosing(rpc))[^2..]);
        }
    }
}
