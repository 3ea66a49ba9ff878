using Scheduler.Core.Protocol;

namespace Scheduler.Core.State;

/// <summary>A registered worker as the scheduler knows it (Dask's <c>WorkerState</c>).</summary>
public sealed class WorkerState(string address)
{
    public string Address { get; } = address;

    /// <summary>[Address], shared by every compute-task's who_has entry for a key only this worker holds (the
    /// common case; messages are encoded as they are and never changed, and the writer passes the array on as it is).</summary>
    internal string[] AsHolders => _asHolders ??= [Address];
    private string[]? _asHolders;
    public string Host { get; } = WorkerAddress.HostOf(address);

    /// <summary>What the worker registered with that only its identity (scheduler_info, retire_workers) shows, as
    /// sent: local_directory, services, and the extra its plugins lay over the identity.</summary>
    public object? LocalDirectory { get; init; }
    public object? Services { get; init; }
    public MsgMap? Extra { get; init; }

    /// <summary>The worker's get_versions(), as sent (the versions RPC reports one peer's).</summary>
    public MsgMap? Versions { get; init; }

    public object? Name { get; init; }
    public int NThreads { get; init; } = 1;
    public long MemoryLimit { get; init; }
    public string Status { get; set; } = "init";
    public string? Nanny { get; init; }
    public string? ServerId { get; init; }
    /// <summary>The Dask version the worker speaks: only computations of clients of the same version are placed here
    /// (the host writes the worker's messages in its connection's dialect).</summary>
    public Protocol.Dialects.DaskDialect Dialect { get; init; } = Protocol.Dialects.DaskDialect.Dask2022;
    public MsgMap Resources { get; init; } = new();
    public Dictionary<string, double> UsedResources { get; } = [];
    public MsgMap? Metrics { get; set; }

    /// <summary>What the latest <see cref="Metrics"/> say of memory (zeros before any).</summary>
    public Messages.MemoryReading MemoryReading { get; set; }
    public double LastSeen { get; set; }

    /// <summary>Tasks assigned to this worker, with the duration estimate they count for.</summary>
    public Dictionary<TaskState, double> Processing { get; } = [];
    public HashSet<TaskState> LongRunning { get; } = [];
    public HashSet<TaskState> HasWhat { get; } = [];
    public HashSet<TaskState> Actors { get; } = [];
    /// <summary>Sum of the nbytes of the replicas held.</summary>
    public long Nbytes { get; set; }
    /// <summary>Estimated seconds of work queued on this worker (excluding seceded tasks).</summary>
    public double Occupancy { get; set; }

    public bool IsRunning => Status == "running";

    /// <summary>Unmanaged memory readings of the last recent-to-old-time seconds (heartbeat time, bytes).</summary>
    internal Queue<(double Time, long Size)> UnmanagedHistory { get; } = new();

    /// <summary>The smallest unmanaged memory reading of that window: unmanaged memory that has stayed.</summary>
    public long UnmanagedOld { get; internal set; }

    /// <summary>Dask's WorkerState.memory: process memory from the heartbeat, managed memory from the scheduler's
    /// own nbytes (fresher than the heartbeat), forced to add up as Dask's MemoryState does.</summary>
    public WorkerMemory Memory
    {
        get
        {
            var (process, spilledInMemory, spilledOnDisk) = MemoryReading;
            long managedInMemory = Math.Min(process, Math.Max(0, Nbytes - spilledInMemory));
            return new WorkerMemory(process, managedInMemory, spilledOnDisk, Math.Min(UnmanagedOld, process - managedInMemory));
        }
    }

    public override string ToString() => $"<Worker {Address} {Status} processing={Processing.Count}>";
}

/// <summary>Memory readings of a worker (Dask's MemoryState), in bytes.</summary>
public readonly record struct WorkerMemory(long Process, long ManagedInMemory, long ManagedSpilled, long UnmanagedOld)
{
    public long Managed => ManagedInMemory + ManagedSpilled;
    public long Unmanaged => Process - ManagedInMemory;
    public long UnmanagedRecent => Process - ManagedInMemory - UnmanagedOld;
    public long Optimistic => ManagedInMemory + UnmanagedOld;

    /// <summary>The reading a distributed.worker.memory.*.measure setting names; null for an unknown name.</summary>
    public long? Measure(string name) => name switch
    {
        "process" => Process,
        "managed" => Managed,
        "managed_in_memory" => ManagedInMemory,
        "managed_spilled" => ManagedSpilled,
        "unmanaged" => Unmanaged,
        "unmanaged_old" => UnmanagedOld,
        "unmanaged_recent" => UnmanagedRecent,
        "optimistic" => Optimistic,
        _ => null,
    };
}

/// <summary>Dask address helpers: "tcp://host:port".</summary>
public static class WorkerAddress
{
    public static string HostOf(string address)
    {
        var a = address;
        int scheme = a.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0) a = a[(scheme + 3)..];
        if (a.StartsWith('['))
        {
            int close = a.IndexOf(']');
            return close > 0 ? a[1..close] : a;
        }
        int colon = a.LastIndexOf(':');
        return colon > 0 ? a[..colon] : a;
    }

    /// <summary>Normalises "host:port" to "tcp://host:port"; null if it does not look like an address.</summary>
    public static string? Normalize(string text)
    {
        if (text.Contains("://", StringComparison.Ordinal)) return text;
        int colon = text.LastIndexOf(':');
        if (colon > 0 && int.TryParse(text.AsSpan(colon + 1), out _)) return "tcp://" + text;
        return null;
    }
}
