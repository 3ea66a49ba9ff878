using System.Diagnostics;
using Scheduler.Core.Engine;
using Scheduler.Core.State;
using Scheduler.Host.Transfers;

namespace Scheduler.Host.Hosting;

/// <summary>
/// What the process does before it listens: the state's sessions (<see cref="Warmup"/>) and one gather from a stand-in
/// worker (<see cref="TransferWarmup"/>), once for their first-use costs, then <c>Scheduler:WarmupRounds</c> times more,
/// so that the runtime recompiles their hot methods at tier 1 now rather than during the first workload; Kestrel starts
/// listening once its background compiler has gone idle (<see cref="TieringMonitor"/>).
/// <para>
/// The rounds count because the runtime's call-counting delay is 0 (Scheduler.Host.csproj). With its default, 100 ms
/// that every first call of some method extends, startup (the history's migration above all) kept the delay on, the
/// rounds' calls were not counted, and the recompiling happened during the first workload anyway.
/// </para>
/// <para>
/// Measured with bench.py's latency workload (200 round trips from a fresh process, Dask 2024.12.1, same sittings as
/// Python's): scheduler CPU 0.83-0.87 s before the rounds (3 sittings), 0.31-0.42 s with them (7); Python's scheduler
/// 0.47-0.67 s. The listener opens 2.1 s after the process starts, 0.7 s with <c>Scheduler:WarmupRounds=0</c>.
/// </para>
/// </summary>
public sealed class StartupWarmup(
    DataTransfers transfers,
    WorkerRpcPool pool,
    SchedulerRuntime runtime,
    SchedulerOptions options,
    ILogger<StartupWarmup> log)
{
    /// <summary>How long the compiler may take before the listener opens anyway (measured: 1.3-1.5 s, 2 cores).</summary>
    private static readonly TimeSpan CompileBound = TimeSpan.FromSeconds(4);
    /// <summary>No round starts after this long since startup's warm-up began.</summary>
    private static readonly TimeSpan RoundsBound = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(25);
    /// <summary>
    /// How long a reading must hold: the runtime's events arrive some milliseconds late, and the compiler's next batch
    /// would have shown by then.
    /// </summary>
    private static readonly TimeSpan Held = TimeSpan.FromMilliseconds(100);

    /// <summary>Runs the warm-up and logs what it did (the line Scheduler.Tests/Hosting reads).</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var tiering = new TieringMonitor();
        bool gathered = await RoundAsync(ct).ConfigureAwait(false);
        int rounds = Math.Max(0, options.WarmupRounds);
        var (ran, tiered, compiled) = (0, TimeSpan.Zero, 0L);
        if (rounds > 0)
        {
            var start = clock.Elapsed;
            long before = tiering.Now.Compiled;
            // A round takes 2-4 ms; one whose gather failed (no loopback?) may have waited out TransferWarmup's bound,
            // and the port must not stay shut for 40 of those.
            for (; ran < rounds && gathered && clock.Elapsed < RoundsBound; ran++)
                gathered = await RoundAsync(ct).ConfigureAwait(false);
            // The methods past the threshold are queued behind whatever startup queued; the listener waits for the
            // background compiler's last batch.
            await HeldAsync(tiering, r => !r.DelayOn && !r.Compiling && r.Pending == 0, CompileBound, ct).ConfigureAwait(false);
            tiered = clock.Elapsed - start;
            compiled = tiering.Now.Compiled - before;
        }
        log.LogInformation("startup warm-up: {Ms:F0} ms in all; {Rounds} rounds, then {Compiled} tier-1 compilations in {TieredMs:F0} ms",
            clock.Elapsed.TotalMilliseconds, ran, compiled, tiered.TotalMilliseconds);
    }

    /// <summary>Waits until <paramref name="done"/> has held for <see cref="Held"/>, or <paramref name="bound"/> has passed.</summary>
    private static async Task HeldAsync(TieringMonitor tiering, Func<TieringMonitor.Reading, bool> done, TimeSpan bound, CancellationToken ct)
    {
        var total = Stopwatch.StartNew();
        var held = Stopwatch.StartNew();
        while (total.Elapsed < bound)
        {
            await Task.Delay(Poll, ct).ConfigureAwait(false);
            if (!done(tiering.Now)) held.Restart();
            else if (held.Elapsed >= Held) return;
        }
    }

    /// <summary>One pass of each warm-up. Either failing is harmless: only the first use of its path is slower.</summary>
    private async Task<bool> RoundAsync(CancellationToken ct)
    {
        try { Warmup.Run(); }
        catch (Exception e)
        {
            log.LogWarning(e, "the startup warm-up failed (harmless: only the first worker loss or submit is slower)");
        }
        try
        {
            if (await TransferWarmup.RunAsync(transfers, pool, runtime, ct).ConfigureAwait(false)) return true;
            log.LogDebug("the startup transfer warm-up did not get its value back");
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            log.LogWarning(e, "the startup transfer warm-up failed (harmless: only the first gather is slower)");
        }
        return false;
    }
}
