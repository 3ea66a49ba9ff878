namespace Scheduler.Core.Messages;

// Plugin registrations. A plugin is a pickle passed to workers or nannies untouched; its name may be any msgpack value.

/// <summary>
/// <c>register_worker_plugin</c> / <c>register_nanny_plugin</c>: a plugin kept for every worker (or nanny), now and
/// later; with <see cref="Idempotent"/> (2024.12) a name already registered changes nothing.
/// </summary>
public sealed record RegisterPluginRequest(object? Name, object? Plugin, bool Idempotent, bool Nanny) : RpcMessage;

/// <summary><c>unregister_worker_plugin</c> / <c>unregister_nanny_plugin</c>: a plugin removed from every worker (or nanny).</summary>
public sealed record UnregisterPluginRequest(object? Name, bool Nanny) : RpcMessage;

/// <summary>
/// <c>register_scheduler_plugin</c> with distributed's SchedulerUploadFile (Client.upload_file), the one scheduler
/// plugin that needs no Python here.
/// </summary>
public sealed record RegisterUploadFilePluginRequest(object? Name) : RpcMessage;

/// <summary><c>unregister_scheduler_plugin</c>.</summary>
public sealed record UnregisterSchedulerPluginRequest(object? Name) : RpcMessage;
