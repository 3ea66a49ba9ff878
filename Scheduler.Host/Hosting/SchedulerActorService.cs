using Scheduler.Core.Engine;
using Scheduler.Core.State;
using Scheduler.Host.Comm;

namespace Scheduler.Host.Hosting;

/// <summary>Runs the scheduler actor for the lifetime of the host, plus its periodic clock tick.</summary>
public sealed class SchedulerActorService(SchedulerActor actor, ConnectionRegistry registry, ILogger<SchedulerActorService> log) : BackgroundService
{
    private static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Off the scheduler's thread and concurrent with startup: peers need a moment to connect anyway.
        _ = Task.Run(() =>
        {
            try { Warmup.Run(); }
            catch (Exception e)
            {
                log.LogWarning(e, "the startup warm-up failed (harmless: only the first worker loss is slower)");
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
