using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

/// <summary>What the scheduler wants done. The host performs commands; the core never does I/O.</summary>
public abstract record Command;

/// <summary>Send one op on a worker's batched stream, written in the worker's dialect (nothing, where it has no such op).</summary>
public sealed record ToWorker(string Worker, WorkerOp Message) : Command;

/// <summary>Send one op on a client's batched stream, written in the client's dialect (dropped for pseudo-clients
/// without a stream).</summary>
public sealed record ToClient(string Client, ClientOp Message) : Command;

/// <summary>
/// Answer the RPC request with this id. <paramref name="Value"/> is an <see cref="RpcReply"/>, written in the dialect
/// of the connection that asked, or (a reply that names no wire field and no key: null, "OK", a number, a map the peer
/// sent) the value to send as it is.
/// </summary>
public sealed record Reply(long ReplyId, object? Value) : Command
{
    /// <summary>What goes on the wire for a peer that <paramref name="writer"/> writes for.</summary>
    public object? WrittenBy(Protocol.Writing.MessageWriter writer) => Value is RpcReply typed ? writer.Write(typed) : Value;
}

/// <summary>
/// Answer a register-worker with a single non-batched message. When accepted the connection becomes
/// the worker's stream under <paramref name="Address"/>; otherwise it is closed after the reply.
/// </summary>
public sealed record WorkerRegistration(long ConnId, string Address, RegistrationReply Reply) : Command
{
    public bool Accepted => Reply is WorkerAccepted;
}

/// <summary>Start a client's stream: the first batch holds exactly one stream-start op.</summary>
public sealed record ClientStreamStart(long ConnId, string ClientId) : Command;

/// <summary>Close a client's stream (after any queued ops, e.g. "stream-closed", are flushed).</summary>
public sealed record CloseClientStream(string Client) : Command;

/// <summary>Close a worker's stream (after any queued ops, e.g. a "close" op, are flushed).</summary>
public sealed record CloseWorkerStream(string Worker) : Command;

/// <summary>A worker was removed: the host's connect attempts to it end now (Dask's ConnectionPool.remove).</summary>
public sealed record DropWorkerComms(string Worker) : Command;

/// <summary>
/// Fetch keys from workers with get_data (gather RPC). The host reports back with
/// <see cref="DataFetched"/>. <paramref name="WhoHas"/> lists candidate holders per key, in order.
/// </summary>
public sealed record FetchData(long ReplyId, IReadOnlyDictionary<string, List<string>> WhoHas) : Command;

/// <summary>
/// Push data to workers with update_data (scatter). The host reports back with <see cref="DataPushed"/>.
/// </summary>
public sealed record PushData(
    long ReplyId,
    string? Client,
    IReadOnlyList<string> Keys,
    IReadOnlyDictionary<string, MsgMap> DataByWorker) : Command;

/// <summary>
/// Send <paramref name="Message"/> to each target as an RPC on a comm of its own, which the target closes after replying,
/// and answer the request with <c>{worker: reply}</c> through an <see cref="RpcCompleted"/> stimulus (broadcast, proxy).
/// Targets are (worker address, address to call: the worker or its nanny); each is written in the target's dialect.
/// </summary>
public sealed record BroadcastRpc(
    long ReplyId,
    IReadOnlyList<(string Worker, string Target)> Targets,
    WorkerRpc? Message,
    string OnError,
    string? Single) : Command
{
    /// <summary>A different message for some workers (call_stack asks each for its own keys); null
    /// <see cref="Message"/> when every target has its own.</summary>
    public IReadOnlyDictionary<string, WorkerRpc>? PerWorker { get; init; }

    /// <summary>Seconds each call may take; one that takes longer fails (Dask's wait_for around the RPC).</summary>
    public double? Timeout { get; init; }
}

/// <summary>
/// One round of replicate: drop extra replicas (<see cref="DiscardReplicas"/>: keys per worker) and copy keys between
/// workers (<see cref="GatherReplicas"/>: where each key a worker is to fetch is). The host reports back with
/// <see cref="ReplicateRoundDone"/>.
/// </summary>
public sealed record ReplicateRound(
    RpcRequest Request,
    int Round,
    IReadOnlyDictionary<string, List<string>> Deletes,
    IReadOnlyDictionary<string, List<KeyHolders>> Gathers) : Command;

/// <summary>
/// Post a <see cref="Wakeup"/> stimulus at <paramref name="At"/> (seconds since the epoch, the stimulus clock):
/// a deadline (an RPC timeout, a lease check) falls due then. Only ever emitted for a new earliest deadline.
/// </summary>
public sealed record WakeupAt(double At) : Command;

/// <summary>
/// Post a <see cref="ContinueGraph"/> stimulus at the back of the queue: a big graph's first transitions go on in
/// another slice once what arrived meanwhile has been handled.
/// </summary>
public sealed record ContinueLater : Command;
