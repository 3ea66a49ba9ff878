namespace Scheduler.Core.Messages.Outgoing;

// The scheduler's event log (Dask's log_event): what happened, in the state's terms. The log keeps the records; the
// writer of the connection that reads one (an event push, the events RPC) names its fields then. (Not the history
// records of Scheduler.Core.Events, which never leave the process.)

/// <summary>One entry of the event log, logged under one or more topics.</summary>
public abstract record LoggedEvent;

/// <summary>A payload a peer logged (the log_event RPC): opaque, written back as it came.</summary>
public sealed record PeerEvent(object? Payload) : LoggedEvent;

/// <summary>A payload a worker logged on its stream (log-event). A map is written with the worker's address set in
/// its <c>worker</c> field, as Dask's log_worker_event does; the received map itself is left as it came.</summary>
public sealed record WorkerPeerEvent(object? Payload, string Worker) : LoggedEvent;

/// <summary>add-worker. Under the worker's own topic (<see cref="UnderOwnTopic"/>) Dask does not name it again.</summary>
public sealed record WorkerAdded(string Worker, bool UnderOwnTopic) : LoggedEvent;

/// <summary>remove-worker; named as in <see cref="WorkerAdded"/>.</summary>
public sealed record WorkerRemoved(string Worker, bool UnderOwnTopic) : LoggedEvent;

/// <summary>worker-status-change, under the worker's topic.</summary>
public sealed record WorkerStatusChange(string PreviousStatus, string Status) : LoggedEvent;

/// <summary>replicate ended: over how many workers, for how many keys asked.</summary>
public sealed record Replicated(long Workers, long KeyCount) : LoggedEvent;

/// <summary>rebalance found nothing to move: too few senders or recipients.</summary>
public sealed record RebalanceIdle(long Senders, long Recipients) : LoggedEvent;

/// <summary>rebalance, under a recipient's topic: the keys it received, each with the sender it came from.</summary>
public sealed record RebalanceReceived(IReadOnlyList<KeyHolders> WhoHas) : LoggedEvent;

/// <summary>rebalance ended: how many keys moved.</summary>
public sealed record Rebalanced(long MovedKeys) : LoggedEvent;

/// <summary>confirm (topic "stealing"): the victim gave the task up, and it runs on the thief.</summary>
public sealed record StealConfirmed(string Key, string Victim, string Thief, string StimulusId) : LoggedEvent;

/// <summary>restart: every key was released and the workers restarted, at this client's request (or none).</summary>
public sealed record ClusterRestarted(string? Client) : LoggedEvent;

/// <summary>restart-workers: these workers were restarted. Under the requesting client's own topic
/// (<see cref="UnderClientTopic"/>) Dask does not name the client.</summary>
public sealed record WorkersRestarted(IReadOnlyList<string> Workers, string? Client, bool UnderClientTopic) : LoggedEvent;

/// <summary>retire-workers: the workers retired, as identity knew them when they went.</summary>
public sealed record WorkersRetired(IReadOnlyList<WorkerIdentityInfo> Workers) : LoggedEvent;

/// <summary>retired, under each retired worker's topic.</summary>
public sealed record WorkerRetired : LoggedEvent
{
    public static readonly WorkerRetired Instance = new();

    private WorkerRetired() { }
}

/// <summary>scatter: a client (or none) scattered this many keys.</summary>
public sealed record DataScattered(string? Client, long Count) : LoggedEvent;
