using Microsoft.Playwright;
using Scheduler.Tests.Dashboard;
using Scheduler.Tests.Support;

namespace Scheduler.Tests.Interop.Dask2024;

/// <summary>
/// No Dask scheduler serves two versions; this one does: a 2022.12.1 client with Debian 12 workers and a 2024.12.1
/// client with Debian 13 workers share it at the same time, and each computation stays on workers of its client's
/// version (a 2022 worker cannot run a 2024 task's pickle, nor the other way round).
/// </summary>
[Collection("dask2024")]
public sealed class Dask2024MixedClusterTests
{
    [TrixieFact(WithHost2022 = true)]
    public async Task Clients_of_both_versions_compute_at_once_each_on_its_own_versions_workers()
    {
        await using var cluster = await Dask2024Cluster.StartAsync(workers: 2, workers2022: 2);
        var run2022 = cluster.Host.RunScriptAsync("mixed_version.py", TimeSpan.FromSeconds(180));
        var run2024 = cluster.RunClientAsync("mixed_version.py", TimeSpan.FromSeconds(180));
        var out2022 = await run2022;
        var r2024 = await run2024;
        Assert.True(r2024.Succeeded, r2024 + "\n" + cluster.Logs());
        Assert.Matches(@"OK mixed 2022\.12\.1\S* 60 2", out2022);
        Assert.Matches(@"OK mixed 2024\.12\.1\S* 60 2", r2024.Stdout);
        Assert.False(cluster.Scheduler.HasExited);
    }

    [TrixieFact(WithHost2022 = true)]
    public async Task A_2024_client_with_only_2022_workers_waits_the_dashboard_says_why_and_a_2024_worker_runs_it()
    {
        await using var cluster = await Dask2024Cluster.StartAsync(workers: 0, workers2022: 1);
        var client = cluster.StartClient(cluster.Dir.Inside + "/wait_for_version.py");
        using var pw = await Playwright.CreateAsync();
        await using var browser = await DashboardBrowserTests.LaunchAsync(pw);
        var page = await browser.NewPageAsync();
        await page.GotoAsync($"http://127.0.0.1:{cluster.Host.DashboardPort}/");
        var notice = page.GetByTestId("version-wait");
        await Assertions.Expect(notice).ToContainTextAsync("1 task waits for a Dask 2024.12 worker", new() { Timeout = 60_000 });
        await Assertions.Expect(notice).ToContainTextAsync("the running workers are Dask 2022.12");
        Assert.False(client.HasExited, client.Stdout + "\n" + cluster.Logs());

        cluster.AddWorker2024();
        var r = await client.WaitAsync(TimeSpan.FromSeconds(180));
        Assert.True(r.Succeeded, r + "\n" + cluster.Logs());
        Assert.Matches(@"OK waited 2024\.12\.1\S* 42", r.Stdout);
        await Assertions.Expect(notice).ToHaveCountAsync(0, new() { Timeout = 30_000 });
    }
}
