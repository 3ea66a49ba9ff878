namespace Scheduler.Core.Messages;

/// <summary>
/// What a worker's heartbeat metrics say of its memory, in bytes (Dask's <c>memory</c> and <c>spilled_bytes</c>): the
/// process's memory, and the keys spilled to disk, by their size in memory and on disk. A reading the worker leaves
/// out is 0, as Dask's MemoryState reads it.
/// </summary>
public readonly record struct MemoryReading(long Process, long SpilledInMemory, long SpilledOnDisk);
