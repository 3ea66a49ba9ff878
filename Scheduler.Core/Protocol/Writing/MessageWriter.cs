using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.State;

namespace Scheduler.Core.Protocol.Writing;

/// <summary>
/// Writes the scheduler's message records (Scheduler.Core.Messages.Outgoing) as one Dask dialect's ops: with the
/// binders, the only place where the wire's field names live. One writer per dialect; what both versions send alike
/// is written by this base, one partial file per concern, and a dialect's writer overrides the ops its version
/// sends differently, and how it names a key. The host writes each record with its connection's writer just before
/// it queues it, into one map per message.
/// </summary>
public abstract partial class MessageWriter
{
    public static MessageWriter Dask2022 => Dask2022Writer.Instance;
    public static MessageWriter Dask2024 => Dask2024Writer.Instance;

    /// <summary>An op for a worker's stream; null when this dialect's workers have no such op (nothing is sent).</summary>
    public MsgMap? Write(WorkerOp op) => op switch
    {
        // The ops sent per task first: a type test on a sealed record is one compare.
        ComputeTask t => Op(t),
        FreeKeys f => Op(f),
        StealRequest s => Op(s),
        RefreshWhoHas r => Op(r),
        RemoveReplicas r => Op(r),
        AcquireReplicas a => Op(a),
        SetWorkerStatus s => Op(s),
        CloseWorker c => Op(c),
        PeerRemoved p => Op(p),
        PubSubAddSubscriber p => Op(p),
        PubSubRemoveSubscriber p => Op(p),
        PubSubPublishScheduler p => Op(p),
        PubSubMsgToWorker p => Op(p),
        _ => throw Unwritable(op),
    };

    /// <summary>An op for a client's stream.</summary>
    public MsgMap Write(ClientOp op) => op switch
    {
        KeyInMemory k => Op(k),
        KeyErred k => Op(k),
        KeyCancelled k => Op(k),
        KeyLost k => Op(k),
        KeyRetried k => Op(k),
        TopicEvent e => Op(e),
        PubSubMsgToClient p => Op(p),
        ClusterRestarting r => Op(r),
        StreamClosed s => Op(s),
        StreamStart s => Op(s),
        _ => throw Unwritable(op),
    };

    /// <summary>A request on a comm the scheduler keeps open for more (<c>reply: true</c>).</summary>
    public MsgMap Write(WorkerRpc request) => Request(request, close: false);

    /// <summary>A request on a fresh comm that the peer closes after replying (Dask's broadcast: <c>close: true</c>).</summary>
    public MsgMap WriteClosing(WorkerRpc request) => Request(request, close: true);

    /// <summary>The answer to a register-worker.</summary>
    public MsgMap Write(RegistrationReply reply) => reply switch
    {
        WorkerAccepted a => Reply(a),
        WorkerRefused r => Reply(r),
        _ => throw Unwritable(reply),
    };

    /// <summary>The answer to an RPC, for the connection that asked: a map, a list, a key or null, as the reply is.</summary>
    public object? Write(RpcReply reply) => Reply(reply);

    private static ArgumentException Unwritable(object record) =>
        new($"no writer case for {record.GetType().Name}", nameof(record));

    /// <summary>A key as this dialect's peers name it.</summary>
    protected abstract object Key(string key);

    /// <summary>Keys as a msgpack array of this dialect's keys.</summary>
    protected object?[] Keys(IReadOnlyList<string> keys)
    {
        var wire = new object?[keys.Count];
        for (int i = 0; i < wire.Length; i++) wire[i] = Key(keys[i]);
        return wire;
    }

    /// <summary>Worker addresses as a msgpack array: an array of strings is one already (the holders the state
    /// shares between messages), so it goes as it is.</summary>
    protected static object?[] Addresses(IReadOnlyList<string> workers)
    {
        if (workers is string[] array) return array;
        var wire = new object?[workers.Count];
        for (int i = 0; i < wire.Length; i++) wire[i] = workers[i];
        return wire;
    }

    /// <summary>{key: [holders]}.</summary>
    protected MsgMap WhoHas(IReadOnlyList<KeyHolders> entries)
    {
        var map = new MsgMap(entries.Count);
        for (int i = 0; i < entries.Count; i++) map.Add(Key(entries[i].Key), Addresses(entries[i].Workers));
        return map;
    }

    /// <summary>{key: [holders]} and {key: nbytes}, in the same order (a key written once, for both).</summary>
    protected (MsgMap WhoHas, MsgMap Nbytes) WhoHasAndNbytes(IReadOnlyList<KeyReplicas> entries)
    {
        var whoHas = new MsgMap(entries.Count);
        var nbytes = new MsgMap(entries.Count);
        for (int i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            var k = Key(e.Key);
            whoHas.Add(k, Addresses(e.Workers));
            nbytes.Add(k, e.BoxedNbytes);
        }
        return (whoHas, nbytes);
    }
}
