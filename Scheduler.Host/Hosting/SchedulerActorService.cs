using Scheduler.Core.Engine;
using Scheduler.Core.State;
using Scheduler.Host.Comm;
using Scheduler.Host.Transfers;

namespace Scheduler.Host.Hosting;

/// <summary>Runs the scheduler actor for the lifetime of the host, plus its periodic clock tick.</summary>
public sealed class SchedulerActorService(
    SchedulerActor actor,
    ConnectionRegistry registry,
    DataTransfers transfers,
    WorkerRpcPool pool,
    SchedulerRuntime runtime,
    ILogger<SchedulerActorService> log) : BackgroundService
{
    private static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Off the scheduler's thread and concurrent with startup: peers need a moment to connect anyway.
        _ = Task.Run(async () =>
        {
            try { Warmup.Run(); }
            catch (Exception e)
            {
                log.LogWarning(e, "the startup warm-up failed (harmless: only the first worker loss or submit is slower)");
            }
            try
            {
                if (!await TransferWarmup.RunAsync(transfers, pool, runtime, stoppingToken).ConfigureAwait(false))
                    log.LogDebug("the startup transfer warm-up did not get its value back");
            }
            catch (Exception e)
            {
                if (!stoppingToken.IsCancellationRequested)
                    log.LogWarning(e, "the startup transfer warm-up failed (harmless: only the first gather is slower)");
            }
        }, stoppingToken);
        actor.Attach(registry);
        var run = actor.RunAsync(stoppingToken);
        using var timer = new PeriodicTimer(TickInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false)) actor.Post(new Tick());
        }
        catch (OperationCanceledException) { }
        await run.ConfigureAwait(false);
    }
}
