namespace Scheduler.Core.Messages;

// distributed.Lock and distributed.MultiLock. Lock names and holder ids are any msgpack value (None included),
// compared structurally by the state: they stay as they came.

/// <summary>lock_acquire: <paramref name="Id"/> asks for lock <paramref name="Name"/>; a null timeout waits forever.</summary>
public sealed record LockAcquireRequest(object? Name, object? Id, double? Timeout) : RpcMessage;

/// <summary>lock_release: the holder <paramref name="Id"/> lets go of lock <paramref name="Name"/>.</summary>
public sealed record LockReleaseRequest(object? Name, object? Id) : RpcMessage;

/// <summary>multi_lock_acquire: <paramref name="Id"/> needs <paramref name="NumLocks"/> (null: all) of <paramref name="Locks"/>.</summary>
public sealed record MultiLockAcquireRequest(object? Id, IReadOnlyList<object?> Locks, long? NumLocks, double? Timeout) : RpcMessage;

/// <summary>multi_lock_release: <paramref name="Id"/> leaves every lock it holds or waits for.</summary>
public sealed record MultiLockReleaseRequest(object? Id) : RpcMessage;
