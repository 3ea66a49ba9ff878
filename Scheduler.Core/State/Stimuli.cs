using Scheduler.Core.Messages;
using Scheduler.Core.Protocol;
using Scheduler.Core.Protocol.Binding;

namespace Scheduler.Core.State;

/// <summary>
/// Everything that can change the scheduler's state. Connections decode messages into stimuli; the
/// actor stamps <see cref="Time"/> (wall-clock seconds) so that handling is a pure function of input.
/// </summary>
public abstract record Stimulus
{
    public double Time { get; set; }
}

/// <summary>A client sent <c>register-client</c> on connection <paramref name="ConnId"/>.</summary>
public sealed record ClientConnected(long ConnId, string ClientId, RegisterClient Registration) : Stimulus
{
    /// <summary>A registration in its 2022.12 wire form, bound as a 2022.12 client's connection binds it.</summary>
    public ClientConnected(long connId, string clientId, MsgMap fields)
        : this(connId, clientId, MessageBinder.Dask2022.BindRegisterClient(fields)) { }

    /// <summary>The Dask version the client speaks (chosen by the host from its registration).</summary>
    public Protocol.Dialects.DaskDialect Dialect { get; init; } = Protocol.Dialects.DaskDialect.Dask2022;
}

/// <summary>One op from a client's batched stream.</summary>
public sealed record ClientStreamOp(string ClientId, string Op, ClientMessage Message) : Stimulus
{
    /// <summary>An op in its 2022.12 wire form, bound as a 2022.12 client's connection binds it.</summary>
    public ClientStreamOp(string clientId, string op, MsgMap fields)
        : this(clientId, op, MessageBinder.Dask2022.BindClientMessage(op, fields))
    {
        NamedClient = MessageBinder.NamedClient(fields);
    }

    /// <summary>The client the op names, which it acts for instead of the stream's (fire-and-forget's keys, the getter
    /// of a queue's or a variable's future); null when it names none.</summary>
    public string? NamedClient { get; init; }

    /// <summary>The client the op acts for.</summary>
    public string Client => NamedClient ?? ClientId;


    /// <summary>For update-graph-hlg: the graph expanded and ordered on the client's connection (a pure function of
    /// the message), so the actor does not stall on it; null means the state prepares it itself.</summary>
    public Graph.GraphPreparation? Preparation { get; init; }
}

/// <summary>A client stream ended (close-stream, EOF or error).</summary>
public sealed record ClientDisconnected(long ConnId, string ClientId) : Stimulus;

/// <summary>A worker sent <c>register-worker</c> on connection <paramref name="ConnId"/>.</summary>
public sealed record WorkerConnected(long ConnId, RegisterWorker Registration) : Stimulus
{
    /// <summary>A registration in its 2022.12 wire form, bound as a 2022.12 worker's connection binds it.</summary>
    public WorkerConnected(long connId, MsgMap fields) : this(connId, MessageBinder.Dask2022.BindRegisterWorker(fields)) { }

    /// <summary>The Dask version the worker speaks (chosen by the host from its registration).</summary>
    public Protocol.Dialects.DaskDialect Dialect { get; init; } = Protocol.Dialects.DaskDialect.Dask2022;
}

/// <summary>One op from a worker's batched stream.</summary>
public sealed record WorkerStreamOp(string Worker, string Op, WorkerMessage Message) : Stimulus
{
    /// <summary>An op in its 2022.12 wire form, bound as a 2022.12 worker's connection binds it.</summary>
    public WorkerStreamOp(string worker, string op, MsgMap fields)
        : this(worker, op, MessageBinder.Dask2022.BindWorkerOp(op, fields)) { }

}

/// <summary>
/// A 2024.12 nanny's registration comm ended: it started its worker (or failed to) and said so, or hung up. Nanny
/// plugins registered while it was starting are broadcast once no nanny is starting.
/// </summary>
public sealed record NannyStartEnded(string Nanny) : Stimulus;

/// <summary>A worker stream ended.</summary>
public sealed record WorkerDisconnected(long ConnId, string Worker) : Stimulus;

/// <summary>A request/reply op; the answer is a <see cref="Reply"/> command with the same id.</summary>
public sealed record RpcRequest(long ReplyId, string Op, RpcMessage Message) : Stimulus
{
    /// <summary>An op in its 2022.12 wire form, bound as a 2022.12 peer's connection binds it.</summary>
    public RpcRequest(long replyId, string op, MsgMap fields)
        : this(replyId, op, MessageBinder.Dask2022.BindRpc(op, fields)) { }

}

/// <summary>The result of a <see cref="FetchData"/> command (the gather RPC's transfers).</summary>
public sealed record DataFetched(
    long ReplyId,
    MsgMap Data,
    IReadOnlyDictionary<string, List<string>> MissingKeys,
    IReadOnlyCollection<string> FailedWorkers) : Stimulus;

/// <summary>The result of a <see cref="PushData"/> command (scatter's update_data calls).</summary>
public sealed record DataPushed(
    long ReplyId,
    string? Client,
    IReadOnlyList<string> Keys,
    IReadOnlyDictionary<string, List<string>> WhoHas,
    IReadOnlyDictionary<string, long> Nbytes,
    string? Error) : Stimulus;

/// <summary>An RPC whose answer the host composed (broadcast): the state only relays it.</summary>
public sealed record RpcCompleted(long ReplyId, object? Value) : Stimulus;

/// <summary>Outcome of a <see cref="ReplicateRound"/>: keys deleted and keys copied, per worker.</summary>
public sealed record ReplicateRoundDone(
    RpcRequest Request,
    int Round,
    IReadOnlyDictionary<string, List<string>> Deleted,
    IReadOnlyDictionary<string, List<string>> Copied) : Stimulus;

/// <summary>
/// A progress-bar feed asks for its reply (a <see cref="Reply"/> with the feed function's result, or null while
/// the watched keys do not all exist yet). The first poll of a feed carries its <paramref name="Spec"/>.
/// </summary>
public sealed record ProgressFeedPoll(long ReplyId, long FeedId, Diagnostics.ProgressFeedSpec? Spec) : Stimulus;

/// <summary>A progress-bar feed's comm closed: its tracker goes.</summary>
public sealed record ProgressFeedClosed(long FeedId) : Stimulus;

/// <summary>
/// A read of the state for the host's own views (REST API, dashboard, metrics): <paramref name="Read"/> runs on the
/// scheduler's thread, between two stimuli, and its result is the <see cref="Reply"/>. It must only read.
/// </summary>
public sealed record StateQuery(long ReplyId, Func<SchedulerState, object?> Read) : Stimulus;

/// <summary>Periodic clock tick: timeouts (pending scatters, worker TTL).</summary>
public sealed record Tick : Stimulus;

/// <summary>The time asked for by a <see cref="WakeupAt"/> command has come: due deadlines run.</summary>
public sealed record Wakeup : Stimulus;

/// <summary>Asked for by <see cref="ContinueLater"/>: the next slice of a big graph's first transitions.</summary>
public sealed record ContinueGraph : Stimulus;
