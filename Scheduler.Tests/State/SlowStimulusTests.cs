using Microsoft.Extensions.Logging;
using Scheduler.Core.Config;
using Scheduler.Core.Engine;
using Scheduler.Core.Protocol;
using Scheduler.Core.State;

namespace Scheduler.Tests.State;

public class SlowStimulusTests
{
    private sealed class Recorder : ILogger
    {
        public readonly List<(LogLevel Level, string Text)> Records = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Records) Records.Add((logLevel, formatter(state, exception)));
        }
    }

    private static async Task<List<(LogLevel Level, string Text)>> RunOneAsync(TimeSpan threshold)
    {
        var log = new Recorder();
        var actor = new SchedulerActor(new SchedulerState(new SchedulerConfig(), new SchedulerIdentity("Scheduler-test", 1)), logger: log)
        {
            SlowStimulus = threshold,
        };
        using var stop = new CancellationTokenSource();
        var run = actor.RunAsync(stop.Token);
        actor.Post(new RpcRequest(1, "identity", new MsgMap().Add("op", "identity")));
        for (int i = 0; i < 500 && actor.Handled == 0; i++) await Task.Delay(10);
        stop.Cancel();
        await run;
        Assert.Equal(1, actor.Handled);
        lock (log.Records) return [.. log.Records];
    }

    [Fact]
    public async Task A_stimulus_over_the_threshold_is_logged_as_a_warning_naming_it()
    {
        var records = await RunOneAsync(TimeSpan.Zero);
        var warning = Assert.Single(records, r => r.Level == LogLevel.Warning);
        Assert.Contains("handling RpcRequest took", warning.Text);
    }

    [Fact]
    public async Task A_quick_stimulus_under_the_default_threshold_is_not()
    {
        var records = await RunOneAsync(TimeSpan.FromSeconds(1));
        Assert.DoesNotContain(records, r => r.Level == LogLevel.Warning);
    }
}
