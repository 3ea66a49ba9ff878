using System.Text.RegularExpressions;
using Scheduler.Host.Hosting;
using Scheduler.Tests.Interop;
using Xunit;

namespace Scheduler.Tests.Hosting;

/// <summary>
/// The startup warm-up of a real host process (the build's own runtimeconfig, so its call-counting delay of 0), and
/// the monitor it waits on, against the runtime's real tiering events.
/// </summary>
[Collection("interop")]
public sealed partial class StartupWarmupTests
{
    [GeneratedRegex(@"startup warm-up: \d+ ms in all; (\d+) rounds, then (\d+) tier-1 compilations")]
    private static partial Regex Logged();

    [Fact]
    public async Task The_rounds_run_and_the_runtime_compiles_their_methods_at_tier_1()
    {
        await using var cluster = await DaskCluster.StartAsync(workers: 0);
        // The console logger writes from its own queue: the line may trail the scheduler file by a moment.
        await cluster.Scheduler.WaitForOutputAsync("startup warm-up:", TimeSpan.FromSeconds(10));
        var output = cluster.Scheduler.Output;
        var m = Logged().Match(output);
        Assert.True(m.Success, output);
        Assert.Equal("40", m.Groups[1].Value);
        // Counted from the runtime's events: 3,500-3,900 measured. With the runtime's default call-counting delay
        // (DOTNET_TC_CallCountingDelayMs=100) the same rounds reach none: 0.
        Assert.True(long.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) >= 100, m.Value);
        Assert.DoesNotContain("warm-up failed", output);
    }

    [Fact]
    public async Task No_rounds_leaves_the_first_use_pass_alone()
    {
        await using var cluster = await DaskCluster.StartAsync(workers: 0, env: new Dictionary<string, string> { ["Scheduler__WarmupRounds"] = "0" });
        await cluster.Scheduler.WaitForOutputAsync("startup warm-up:", TimeSpan.FromSeconds(10));
        var m = Logged().Match(cluster.Scheduler.Output);
        Assert.True(m.Success, cluster.Scheduler.Output);
        Assert.Equal("0", m.Groups[1].Value);
        Assert.Equal("0", m.Groups[2].Value);
    }

    private readonly record struct Probe(int A, long B);

    [Fact]
    public async Task The_monitor_sees_the_background_compiler_promote_a_hot_method()
    {
        using var tiering = new TieringMonitor();
        // A generic instantiation over a type of this assembly's own: fresh to the runtime, compiled at tier 0 first,
        // promoted once called 30 times after the delay. Called in bursts until the monitor has seen a compilation.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        long sum = 0;
        while (tiering.Now.Compiled == 0 && DateTime.UtcNow < deadline)
        {
            for (int i = 0; i < 200; i++) sum += Hot(i);
            await Task.Delay(20);
        }
        Assert.True(tiering.Now.Compiled > 0, $"no tier-1 compilation seen ({tiering.Now}, {sum})");
    }

    private static long Hot(int i)
    {
        var d = new Dictionary<Probe, long> { [new Probe(i, i)] = i };
        return d.TryGetValue(new Probe(i, i), out var v) ? v : -1;
    }
}
