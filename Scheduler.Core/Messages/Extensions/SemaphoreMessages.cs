namespace Scheduler.Core.Messages;

// distributed.Semaphore. Names and lease ids are any msgpack value (None included).

/// <summary>semaphore_register: the semaphore <paramref name="Name"/> hands out at most <paramref name="MaxLeases"/> leases.</summary>
public sealed record SemaphoreRegisterRequest(object? Name, long MaxLeases) : RpcMessage;

/// <summary>semaphore_acquire: lease <paramref name="LeaseId"/> of <paramref name="Name"/>; a null timeout waits forever.</summary>
public sealed record SemaphoreAcquireRequest(object? Name, object? LeaseId, double? Timeout) : RpcMessage;

/// <summary>semaphore_release: lease <paramref name="LeaseId"/> of <paramref name="Name"/> is given back.</summary>
public sealed record SemaphoreReleaseRequest(object? Name, object? LeaseId) : RpcMessage;

/// <summary>semaphore_refresh_leases: the holder of <paramref name="LeaseIds"/> is alive.</summary>
public sealed record SemaphoreRefreshLeasesRequest(object? Name, IReadOnlyList<object?> LeaseIds) : RpcMessage;

/// <summary>semaphore_value: how many leases of <paramref name="Name"/> are held.</summary>
public sealed record SemaphoreValueRequest(object? Name) : RpcMessage;

/// <summary>semaphore_close: the semaphore goes, with its leases and waiters.</summary>
public sealed record SemaphoreCloseRequest(object? Name) : RpcMessage;
