using Scheduler.Core.Engine;
using Scheduler.Core.State;
using Scheduler.Host.Comm;

namespace Scheduler.Host.Hosting;

/// <summary>Runs the scheduler actor for the lifetime of the host, plus its periodic clock tick.</summary>
public sealed class SchedulerActorService(
    SchedulerActor actor,
    ConnectionRegistry registry,
    StartupWarmup warmup) : BackgroundService
{
    private static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The warm-up runs here, before the actor and the listener start: hosted services start in order, and Kestrel's
    /// comes last, so no peer connects until it is done.
    /// </summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await warmup.RunAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
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
