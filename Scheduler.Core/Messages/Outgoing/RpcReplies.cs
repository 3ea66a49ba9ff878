using Scheduler.Core.Protocol;

namespace Scheduler.Core.Messages.Outgoing;

// The answers to requests the state serves (Scheduler.handlers of Dask), in the state's terms: keys are the state's
// own, workers their addresses. The requester's connection writes each with its dialect's writer, so keys are named
// as that peer names them. A reply without a record here (most carry no wire field) is still sent as the value the
// state made.

/// <summary>The answer to one RPC; Dask's send_recv returns it (or raises it, for an <see cref="ErrorReply"/>).</summary>
public abstract record RpcReply;

/// <summary>{status: OK}: done, nothing to report (rebalance).</summary>
public sealed record OkReply : RpcReply
{
    public static readonly OkReply Instance = new();

    private OkReply() { }
}

/// <summary>
/// An error the requester's send_recv raises: "KeyError: message" becomes that builtin exception (so
/// <c>pytest.raises(KeyError)</c> holds), any other text an Exception of the text.
/// </summary>
public sealed record ErrorReply(string Text) : RpcReply;

/// <summary>gather: every key's data, key to value as its holder sent it.</summary>
public sealed record GatherData(MsgMap Data) : RpcReply;

/// <summary>gather: these keys could not be fetched from any of the workers tried, listed per key.</summary>
public sealed record GatherMissing(IReadOnlyList<KeyHolders> Keys) : RpcReply;

/// <summary>replicate, rebalance: these keys are held by no worker (or could not be moved).</summary>
public sealed record PartialFail(IReadOnlyList<string> Keys) : RpcReply;

/// <summary>A list of keys: the keys scattered (scatter), the keys retried (retry).</summary>
public sealed record KeyList(IReadOnlyList<string> Keys) : RpcReply;

/// <summary>who_has: each key's holders (none for a key the scheduler does not know).</summary>
public sealed record WhoHasReply(IReadOnlyList<KeyHolders> Keys) : RpcReply;

/// <summary>has_what, processing: keys per worker.</summary>
public sealed record KeysByWorker(IReadOnlyList<WorkerKeys> Workers) : RpcReply;

/// <summary>The keys a worker holds, or is processing.</summary>
public readonly record struct WorkerKeys(string Worker, IReadOnlyList<string> Keys);

/// <summary>nbytes: each key's size in bytes.</summary>
public sealed record KeySizes(IReadOnlyList<KeySize> Keys) : RpcReply;

/// <summary>A key's size in bytes.</summary>
public readonly record struct KeySize(string Key, long Nbytes);

/// <summary>task_status: each key's status, null for a key the scheduler does not know.</summary>
public sealed record KeyStatuses(IReadOnlyList<KeyStatus> Keys) : RpcReply;

/// <summary>A key's status (null: unknown to the scheduler).</summary>
public readonly record struct KeyStatus(string Key, State.TaskStatus? Status);

/// <summary>get_story: the transitions about the keys asked for, oldest first.</summary>
public sealed record StoryReply(IReadOnlyList<State.TransitionRecord> Transitions) : RpcReply;

/// <summary>get_runspec: the task's run spec as the client sent it, and its dependencies.</summary>
public sealed record RunSpecReply(object? RunSpec, IReadOnlyList<string> Dependencies) : RpcReply;

/// <summary>get_error_cause: the key whose exception a key carries, or null.</summary>
public sealed record ErrorCause(string? Key) : RpcReply;

/// <summary>heartbeat_worker: the worker is known; its next heartbeat is due after <see cref="HeartbeatInterval"/>
/// seconds. <see cref="Time"/> is the scheduler's clock (seconds since the epoch).</summary>
public sealed record HeartbeatAck(double Time, double HeartbeatInterval) : RpcReply;

/// <summary>heartbeat_worker: the worker is not (or no longer) registered; it registers again.</summary>
public sealed record HeartbeatMissing : RpcReply
{
    public static readonly HeartbeatMissing Instance = new();

    private HeartbeatMissing() { }
}

/// <summary>register_nanny: the nanny plugins registered so far, name to pickle.</summary>
public sealed record NannyRegistered(MsgMap NannyPlugins) : RpcReply;

/// <summary>get_monitor_info's sample count (performance_report): the scheduler's ticks.</summary>
public sealed record MonitorCount(long Count) : RpcReply;

/// <summary>
/// A progress bar's feed (Dask's Progress): how many keys it waits for and how many remain. <see cref="Status"/> is
/// null while running, then "finished" or "error"; on error, the exception and the key that erred (or was cancelled).
/// </summary>
public sealed record ProgressReport(long All, long Remaining, string? Status, object? Exception, string? ErrorKey) : RpcReply;

/// <summary>A multi progress bar's feed (Dask's MultiProgress): the counts per key_split group, in first-seen order;
/// the rest as <see cref="ProgressReport"/>.</summary>
public sealed record MultiProgressReport(IReadOnlyList<GroupProgress> Groups, string? Status, object? Exception, string? ErrorKey)
    : RpcReply;

/// <summary>One group of a multi progress bar: its keys, and how many remain.</summary>
public readonly record struct GroupProgress(string Group, long All, long Remaining);

/// <summary>publish_put: the dataset is published under this name (as the client sent it).</summary>
public sealed record DatasetPublished(object? Name) : RpcReply;

/// <summary>publish_get: a published dataset, the payload as the client sent it (never unpickled) and the keys it
/// references.</summary>
public sealed record PublishedDataset(object? Data, IReadOnlyList<string> Keys) : RpcReply;

/// <summary>What a variable or a queue hands its getter.</summary>
public abstract record StoredValueReply : RpcReply;

/// <summary>A stored value that is the client's data, passed through.</summary>
public sealed record StoredData(object? Data) : StoredValueReply;

/// <summary>
/// A stored Future: its key, the token the getter gives back once it holds the key (variables), and the key's state
/// now (null: unknown to the scheduler, "lost"). An erred key comes with the exception and traceback of the task to
/// blame (pass-through payloads).
/// </summary>
public sealed record StoredFuture(string Key, string? Token, State.TaskStatus? Status, object? Exception, object? Traceback)
    : StoredValueReply;

/// <summary>A queue's getter of a batch: the items, in order.</summary>
public sealed record StoredValues(IReadOnlyList<StoredValueReply> Items) : RpcReply;

/// <summary>pubsub_add_publisher: the workers subscribed to the topic, and whether the scheduler wants the worker's
/// messages too (a client subscribes).</summary>
public sealed record PublisherAdded(IReadOnlyList<string> Subscribers, bool PublishToScheduler) : RpcReply;

/// <summary>benchmark_hardware: per benchmark, the seconds each size took, averaged over the workers.</summary>
public sealed record HardwareBenchmark(IReadOnlyList<SizeDuration> Disk, IReadOnlyList<SizeDuration> Memory,
    IReadOnlyList<SizeDuration> Network) : RpcReply;

/// <summary>A benchmark's size (as the worker named it, "1 kiB") and its duration in seconds.</summary>
public readonly record struct SizeDuration(string Size, double Seconds);

/// <summary>get_task_stream: the records asked for, in the order the tasks finished.</summary>
public sealed record TaskStreamReply(IReadOnlyList<State.TaskStreamRecord> Records) : RpcReply;

/// <summary>versions: one peer's get_versions(), as it registered it; null when no peer has (no packages then).</summary>
public sealed record PeerVersions(MsgMap? Versions) : RpcReply;
