namespace Scheduler.Core.Messages.Outgoing;

// The ops the scheduler sends on a client's batched stream (pub/sub's are with the others of pub/sub).

/// <summary>stream-start: the first op of a client's stream, alone in its batch.</summary>
public sealed record StreamStart : ClientOp
{
    public static readonly StreamStart Instance = new();
}

/// <summary>key-in-memory: the key's result is held by a worker.</summary>
/// <param name="Type">The result's pickled type, as the worker reported it (only after a task finished).</param>
/// <param name="Workers">Its holders (only for data a scatter or update-data put there).</param>
public sealed record KeyInMemory(string Key, byte[]? Type = null, IReadOnlyList<string>? Workers = null) : ClientOp;

/// <summary>lost-data: the key's only copies were lost.</summary>
public sealed record KeyLost(string Key) : ClientOp;

/// <summary>task-retried: the key erred before and is to run again.</summary>
public sealed record KeyRetried(string Key) : ClientOp;

/// <summary>task-erred: the key failed. The exception and traceback are the failing task's, passed on as they came (a
/// scheduler's own refusal is a text, with no traceback).</summary>
public sealed record KeyErred(string Key, object? Exception, object? Traceback) : ClientOp;

/// <summary>The key is cancelled (forgotten while the client held it, or cancelled for it).</summary>
public sealed record KeyCancelled(string Key) : ClientOp;

/// <summary>restart: every key was released for a restart.</summary>
public sealed record ClusterRestarting : ClientOp
{
    public static readonly ClusterRestarting Instance = new();
}

/// <summary>stream-closed: the scheduler closes the client's stream (it was silent past client-ttl).</summary>
public sealed record StreamClosed : ClientOp
{
    public static readonly StreamClosed Instance = new();
}

/// <summary>event: an event logged under a topic the client subscribes to, at <see cref="Time"/> (seconds since the epoch).</summary>
public sealed record TopicEvent(string Topic, double Time, LoggedEvent Event) : ClientOp;
