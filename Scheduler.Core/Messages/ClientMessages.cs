using Scheduler.Core.Graph;
using Scheduler.Core.Protocol;

namespace Scheduler.Core.Messages;

// The ops a client sends on its batched stream (the extensions' ops are elsewhere). The client an op acts for is the
// stimulus's (ClientStreamOp.Client): the one the op names, else the stream's.

/// <summary>What a graph submission says besides its tasks: the keys wanted, and how to order them.</summary>
/// <param name="Priority">The client's own priorities per key; null when it sent none (the graph is then ordered here).</param>
/// <param name="SubmittingTask">The task that submitted the graph from a worker (its tasks come first), if any.</param>
/// <param name="AllActors">Every requested key is an actor (actors=True).</param>
/// <param name="ActorKeys">The keys that are actors, when the client named them.</param>
/// <param name="FifoTimeout">Seconds within which graphs share a generation (null when not sent).</param>
public sealed record GraphSubmission(
    IReadOnlyList<string> Keys,
    IReadOnlyDictionary<string, double>? Priority,
    string? SubmittingTask,
    bool AllActors,
    IReadOnlyList<string> ActorKeys,
    double? FifoTimeout,
    string? StimulusId);

/// <summary>update-graph-hlg: a graph of msgpack layers (a 2024.12 update-graph is bound to this too).</summary>
/// <param name="Message">The whole message: the graph's layers are expanded from it (off the scheduler's thread by the
/// connection, which puts the result on the stimulus; by the state for a stimulus made in-process).</param>
public sealed record UpdateGraphHlg(GraphSubmission Submission, MsgMap Message) : ClientMessage;

/// <summary>update-graph in its 2022.12 form: tasks as they are (a Future unpickled sends it with none).</summary>
public sealed record UpdateGraphLegacy(GraphSubmission Submission, UnpackedGraph Graph) : ClientMessage;

/// <summary>client-desires-keys: the client holds futures of these keys.</summary>
public sealed record KeysDesired(IReadOnlyList<string> Keys) : ClientMessage;

/// <summary>client-releases-keys: the client let go of these keys' futures.</summary>
public sealed record KeysReleased(IReadOnlyList<string> Keys) : ClientMessage;

/// <summary>heartbeat-client: the client is there.</summary>
public sealed record HeartbeatClient : ClientMessage
{
    public static readonly HeartbeatClient Instance = new();
}

/// <summary>close-client: the client is closing; its keys go.</summary>
public sealed record CloseClient : ClientMessage
{
    public static readonly CloseClient Instance = new();
}

/// <summary>subscribe-topic: the client wants the events logged under a topic.</summary>
public sealed record SubscribeTopic(string? Topic) : ClientMessage;

/// <summary>unsubscribe-topic.</summary>
public sealed record UnsubscribeTopic(string? Topic) : ClientMessage;

/// <summary>report-key: the client asks for a key's state again (key-in-memory, task-erred or cancelled).</summary>
public sealed record ReportKey(string? Key) : ClientMessage;

/// <summary>cancel-keys (a 2024.12 client's cancel, on the stream): the same cancellation as the cancel RPC.</summary>
public sealed record CancelKeys(IReadOnlyList<string> Keys, bool Force) : ClientMessage;

/// <summary>update-data on a client's stream (a direct scatter): {key: workers} and {key: bytes} now held.</summary>
public sealed record DataUpdated(MsgMap? WhoHas, MsgMap? Nbytes) : ClientMessage;
