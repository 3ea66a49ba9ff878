namespace Scheduler.Core.Messages;

// The scheduler's read-only RPCs: what it knows about keys, workers, events and itself. A list that may be absent
// is null when it was (Dask's "all of them"); worker references are addresses or names (any msgpack value), as sent.

/// <summary><c>identity</c>: the scheduler and its workers.</summary>
public sealed record IdentityRequest : RpcMessage;

/// <summary><c>who_has</c>: the workers holding each key (every key when <see cref="Keys"/> is null).</summary>
public sealed record WhoHasRequest(IReadOnlyList<string>? Keys) : RpcMessage;

/// <summary><c>has_what</c>: the keys each worker holds (every worker when <see cref="Workers"/> is null).</summary>
public sealed record HasWhatRequest(IReadOnlyList<object?>? Workers) : RpcMessage;

/// <summary><c>ncores</c> / <c>ncores_running</c>: the threads of each (running) worker.</summary>
public sealed record NCoresRequest(IReadOnlyList<object?>? Workers, bool RunningOnly) : RpcMessage;

/// <summary><c>nbytes</c>: the size of each key, or per key prefix with <see cref="Summary"/>.</summary>
public sealed record NbytesRequest(IReadOnlyList<string>? Keys, bool Summary) : RpcMessage;

/// <summary><c>processing</c>: the keys each worker is processing.</summary>
public sealed record ProcessingRequest(IReadOnlyList<object?>? Workers) : RpcMessage;

/// <summary><c>get_task_status</c>: the state of each key.</summary>
public sealed record TaskStatusRequest(IReadOnlyList<string> Keys) : RpcMessage;

/// <summary><c>check_idle</c>: since when the scheduler has been idle.</summary>
public sealed record CheckIdleRequest : RpcMessage;

/// <summary><c>get_runspec</c>: a task's run spec; <see cref="KeyAsSent"/> names it in the KeyError of an unknown key.</summary>
public sealed record RunSpecRequest(string? Key, object? KeyAsSent) : RpcMessage;

/// <summary><c>get_error_cause</c>: the key whose failure the first erred one of these keys blames.</summary>
public sealed record ErrorCauseRequest(IReadOnlyList<string> Keys) : RpcMessage;

/// <summary><c>get_story</c>: the transitions of these keys.</summary>
public sealed record StoryRequest(IReadOnlyList<string> Keys) : RpcMessage;

/// <summary>
/// <c>get_metadata</c>: the value at a path in the metadata tree; <see cref="HasDefault"/> when the client gave a
/// real default (not Dask's "no default" marker) for a path that is not there.
/// </summary>
public sealed record GetMetadataRequest(IReadOnlyList<object> Path, object? Default, bool HasDefault) : RpcMessage;

/// <summary><c>events</c>: one topic's events (every topic's when <see cref="Topic"/> is null).</summary>
public sealed record EventsRequest(string? Topic) : RpcMessage;

/// <summary><c>get_task_stream</c>: the task stream records between two times, or the last <see cref="Count"/>.</summary>
public sealed record TaskStreamRequest(double? Start, double? Stop, long? Count) : RpcMessage;

/// <summary><c>echo</c>: the data back.</summary>
public sealed record EchoRequest(object? Data) : RpcMessage;

/// <summary><c>versions</c>: the package versions to compare with.</summary>
public sealed record VersionsRequest : RpcMessage;

/// <summary>Which workers could be closed (Dask's workers_to_close arguments).</summary>
public sealed record CloseCriteria(double? MemoryRatio, long? N, long? Minimum, long? Target);

/// <summary><c>workers_to_close</c>: the workers that could go, by address or, with <see cref="ByName"/>, by name.</summary>
public sealed record WorkersToCloseRequest(CloseCriteria Criteria, bool ByName) : RpcMessage;

/// <summary><c>adaptive_target</c>: how many workers the known work needs to finish in <see cref="TargetDuration"/> seconds.</summary>
public sealed record AdaptiveTargetRequest(double? TargetDuration) : RpcMessage;

/// <summary><c>run_function</c> with performance_report's function, which asks for the monitor's sample count.</summary>
public sealed record MonitorCountRequest : RpcMessage;
