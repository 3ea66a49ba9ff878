namespace Scheduler.Core.Config;

/// <summary>The Dask settings the scheduler core implements, with Dask 2022.12.1's defaults.</summary>
public sealed record SchedulerConfig
{
    /// <summary>distributed.scheduler.allowed-failures: workers that may die running one task before it errs.</summary>
    public int AllowedFailures { get; init; } = 3;

    /// <summary>distributed.scheduler.worker-saturation: root-task slots per thread (infinity disables queuing).</summary>
    public double WorkerSaturation { get; init; } = 1.1;

    /// <summary>distributed.scheduler.bandwidth in bytes/s: the transfer cost estimate in placement.</summary>
    public double Bandwidth { get; init; } = 100_000_000;

    /// <summary>distributed.scheduler.default-data-size: nbytes assumed for a result of unknown size.</summary>
    public long DefaultDataSize { get; init; } = 1024;

    /// <summary>distributed.scheduler.unknown-task-duration in seconds.</summary>
    public double UnknownTaskDuration { get; init; } = 0.5;

    /// <summary>distributed.scheduler.default-task-durations: prefix -> seconds.</summary>
    public IReadOnlyDictionary<string, double> DefaultTaskDurations { get; init; } =
        new Dictionary<string, double> { ["rechunk-split"] = 1e-6, ["split-shuffle"] = 1e-6 };

    /// <summary>distributed.scheduler.worker-ttl in seconds (null = never time out).</summary>
    public double? WorkerTtl { get; init; } = 300;

    /// <summary>distributed.scheduler.validate: check every invariant after every stimulus.</summary>
    public bool Validate { get; init; }

    /// <summary>distributed.comm.compression: what the scheduler offers in handshakes ("lz4" or null).</summary>
    public string? Compression { get; init; } = "lz4";

    /// <summary>
    /// distributed.scheduler.client-ttl (this scheduler's own setting; Dask has none) in seconds: a connected client
    /// that sends nothing for this long (Python clients heartbeat every 5 s) is removed and its keys released, so a
    /// hung or half-open client cannot pin results forever. Null = never.
    /// </summary>
    public double? ClientTtl { get; init; } = 300;

    /// <summary>distributed.scheduler.work-stealing: idle workers take queued tasks from busy ones.</summary>
    public bool WorkStealing { get; init; } = true;

    /// <summary>distributed.scheduler.transition-log-length: transitions kept for task stories.</summary>
    public int TransitionLogLength { get; init; } = 100_000;

    /// <summary>distributed.comm.timeouts.connect in seconds: how long connecting to a peer is retried.</summary>
    public double ConnectTimeout { get; init; } = 30;

    /// <summary>distributed.worker.memory.terminate: whether workers are killed at a memory fraction (false turns it
    /// off). While on, a 2024.12 computation's task whose inputs exceed its worker's memory_limit is refused.</summary>
    public bool MemoryTerminate { get; init; } = true;

    /// <summary>distributed.worker.memory.recent-to-old-time in seconds: unmanaged memory older than this counts
    /// as "old" (part of optimistic memory).</summary>
    public double MemoryRecentToOldTime { get; init; } = 30;

    /// <summary>distributed.worker.memory.rebalance.measure: the memory figure rebalance evens out.</summary>
    public string RebalanceMeasure { get; init; } = "optimistic";

    /// <summary>distributed.worker.memory.rebalance.sender-min: fraction of memory_limit below which a worker sends nothing.</summary>
    public double RebalanceSenderMin { get; init; } = 0.30;

    /// <summary>distributed.worker.memory.rebalance.recipient-max: fraction of memory_limit above which a worker receives nothing.</summary>
    public double RebalanceRecipientMax { get; init; } = 0.60;

    /// <summary>Half of distributed.worker.memory.rebalance.sender-recipient-gap (fraction of memory_limit).</summary>
    public double RebalanceHalfGap { get; init; } = 0.05;

    /// <summary>distributed.scheduler.locks.lease-timeout: a semaphore lease not refreshed for this long is released.</summary>
    public double LeaseTimeout { get; init; } = 30;

    /// <summary>distributed.scheduler.locks.lease-validation-interval: how often leases are checked for staleness.</summary>
    public double LeaseValidationInterval { get; init; } = 10;

    /// <summary>
    /// distributed.scheduler.graph-slice (this scheduler's own setting; Dask has none): at most this many of a new
    /// graph's tasks are made runnable per turn of the scheduler's thread, so that a big graph does not stall other
    /// clients and workers while it goes in. 0 = all at once.
    /// </summary>
    public int GraphSlice { get; init; } = 10_000;

    public static SchedulerConfig FromDask(DaskConfig c)
    {
        var durations = new Dictionary<string, double> { ["rechunk-split"] = 1e-6, ["split-shuffle"] = 1e-6 };
        foreach (var (k, v) in c.Under("distributed.scheduler.default-task-durations"))
            if (TimeParsing.ParseSeconds(v) is { } secs) durations[k] = secs;
        var ttlText = c.Get("distributed.scheduler.worker-ttl");
        double? ttl = ttlText == null ? 300
            : ttlText.Equals("none", StringComparison.OrdinalIgnoreCase) || ttlText.Equals("null", StringComparison.OrdinalIgnoreCase)
                ? null : TimeParsing.ParseSeconds(ttlText) ?? 300;
        var compression = c.Get("distributed.comm.compression");
        var clientTtlText = c.Get("distributed.scheduler.client-ttl");
        double? clientTtl = clientTtlText == null ? 300
            : clientTtlText.Equals("none", StringComparison.OrdinalIgnoreCase) || clientTtlText.Equals("null", StringComparison.OrdinalIgnoreCase)
                ? null : TimeParsing.ParseSeconds(clientTtlText) ?? 300;
        return new SchedulerConfig
        {
            AllowedFailures = c.GetInt("distributed.scheduler.allowed-failures", 3),
            WorkerSaturation = c.GetDouble("distributed.scheduler.worker-saturation", 1.1),
            Bandwidth = c.GetDouble("distributed.scheduler.bandwidth", 100_000_000),
            DefaultDataSize = c.Get("distributed.scheduler.default-data-size") is { } dds ? TimeParsing.ParseBytes(dds) ?? 1024 : 1024,
            UnknownTaskDuration = c.GetSeconds("distributed.scheduler.unknown-task-duration", 0.5),
            DefaultTaskDurations = durations,
            WorkerTtl = ttl,
            Validate = c.GetBool("distributed.scheduler.validate", false),
            ClientTtl = clientTtl,
            WorkStealing = c.GetBool("distributed.scheduler.work-stealing", true),
            TransitionLogLength = c.GetInt("distributed.scheduler.transition-log-length", 100_000),
            ConnectTimeout = c.GetSeconds("distributed.comm.timeouts.connect", 30),
            MemoryTerminate = c.Get("distributed.worker.memory.terminate") is not { } terminate
                || !(terminate.Equals("false", StringComparison.OrdinalIgnoreCase) || terminate.Equals("none", StringComparison.OrdinalIgnoreCase)
                     || terminate.Equals("null", StringComparison.OrdinalIgnoreCase) || (double.TryParse(terminate, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var t) && t == 0)),
            MemoryRecentToOldTime = c.GetSeconds("distributed.worker.memory.recent-to-old-time", 30),
            RebalanceMeasure = c.Get("distributed.worker.memory.rebalance.measure") ?? "optimistic",
            RebalanceSenderMin = c.GetDouble("distributed.worker.memory.rebalance.sender-min", 0.30),
            RebalanceRecipientMax = c.GetDouble("distributed.worker.memory.rebalance.recipient-max", 0.60),
            RebalanceHalfGap = c.GetDouble("distributed.worker.memory.rebalance.sender-recipient-gap", 0.10) / 2,
            GraphSlice = Math.Max(0, c.GetInt("distributed.scheduler.graph-slice", 10_000)),
            LeaseTimeout = c.GetSeconds("distributed.scheduler.locks.lease-timeout", 30),
            LeaseValidationInterval = c.GetSeconds("distributed.scheduler.locks.lease-validation-interval", 10),
            // "auto" picks lz4 when the peer library exists; K4os is always there, so auto = lz4.
            Compression = compression == null || compression.Equals("auto", StringComparison.OrdinalIgnoreCase) ? "lz4"
                : compression.Equals("none", StringComparison.OrdinalIgnoreCase) || compression.Equals("null", StringComparison.OrdinalIgnoreCase) || compression == "False" ? null
                : compression.Equals("lz4", StringComparison.OrdinalIgnoreCase) ? "lz4" : null,
        };
    }
}
