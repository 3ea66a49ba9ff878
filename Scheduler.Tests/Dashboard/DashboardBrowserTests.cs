using Microsoft.Playwright;
using Scheduler.Tests.Interop;

namespace Scheduler.Tests.Dashboard;

/// <summary>
/// The dashboard in Debian's Chromium (Playwright) against the real host while real workers run a workload:
/// the progress bars move, the task stream fills, a task's page shows its story, and the history page finds
/// the computation after the host restarts. Screenshots go to artifacts/screenshots.
/// </summary>
[Collection("interop")]
public sealed class DashboardBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    private static string ScreenshotDir
    {
        get
        {
            var dir = Environment.GetEnvironmentVariable("TEST_SCREENSHOT_DIR") ?? Path.Combine(DaskCluster.RepoRoot, "artifacts", "screenshots");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    internal static async Task<IBrowser> LaunchAsync(IPlaywright pw)
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: scripts/setup.sh installs Debian's chromium package");
        return await pw.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>A page whose browser console errors are collected.</summary>
    private static async Task<(IPage Page, List<string> Errors)> OpenPageAsync(IBrowser browser)
    {
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        var errors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") errors.Add(m.Text); };
        return (page, errors);
    }

    /// <summary>Opens the status page and waits until it lists the cluster's 2 workers.</summary>
    private static async Task ShowsWorkersAsync(IPage page, string url)
    {
        await page.GotoAsync(url + "/");
        await Assertions.Expect(page.GetByTestId("workers-count")).ToHaveTextAsync("2", new() { Timeout = 20_000 });
    }

    private static async Task<int> IntAttribute(ILocator locator, string name) =>
        int.Parse(await locator.GetAttributeAsync(name) ?? "0", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task The_dashboard_follows_a_workload_live_and_finds_it_in_the_history_after_a_restart()
    {
        await using var cluster = await DaskCluster.StartAsync(workers: 2);
        using var pw = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(pw);
        var url = $"http://127.0.0.1:{cluster.DashboardPort}";
        var (page, errors) = await OpenPageAsync(browser);

        // Before any work: workers are listed, and the task areas say there is nothing yet.
        await ShowsWorkersAsync(page, url);
        await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDir, "dashboard-idle.png") });

        using var script = cluster.StartScript("dashboard_workload.py");
        await script.WaitForOutputAsync("SUBMITTED", TimeSpan.FromSeconds(60));
        // The progress bar of the "nap" group moves while the work runs (live updates over the circuit).
        var naps = page.Locator("[data-group='nap']");
        await Assertions.Expect(naps).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        var seen = new List<int>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            int done = await IntAttribute(naps, "data-done");
            if (seen.Count == 0 || seen[^1] != done) seen.Add(done);
            if (done == 300) break;
            if (seen.Count == 3) await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDir, "dashboard-running.png"), FullPage = true });
            await Task.Delay(150);
        }
        Assert.True(seen.Count >= 3, $"the progress bar did not move through the work: {string.Join(", ", seen)}");
        Assert.Equal(300, seen[^1]);
        Assert.Equal(300, await IntAttribute(naps, "data-total"));
        await script.WaitForOutputAsync("DONE", TimeSpan.FromSeconds(60));
        // The task stream shows bars for the tasks that ran, on both workers' threads.
        await Assertions.Expect(page.GetByTestId("task-stream")).Not.ToHaveAttributeAsync("data-bars", "0", new() { Timeout = 10_000 });
        Assert.True(await IntAttribute(page.GetByTestId("task-stream"), "data-bars") >= 250);
        await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDir, "dashboard-status.png"), FullPage = true });

        // A task's page: its state, dependencies and story.
        await page.GotoAsync(url + "/task?key=total-naps");
        await Assertions.Expect(page.GetByTestId("task-state")).ToHaveTextAsync("memory", new() { Timeout = 10_000 });
        await Assertions.Expect(page.GetByTestId("story")).ToContainTextAsync("processing");
        await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDir, "dashboard-task.png"), FullPage = true });

        await page.GotoAsync(url + "/workers");
        await Assertions.Expect(page.GetByTestId("workers-table").Locator("tbody tr")).ToHaveCountAsync(2);

        cluster.Touch("release");
        Assert.Equal(0, await script.WaitForExitAsync(TimeSpan.FromSeconds(60)));

        Assert.True(errors.Count == 0, "browser console errors: " + string.Join("\n", errors));

        // After a restart of the host, the history page still finds the computation. (The old page's circuit
        // reports its lost connection in the console: that is expected, so errors are checked before this.)
        await cluster.RestartSchedulerAsync(kill: false);
        url = $"http://127.0.0.1:{cluster.DashboardPort}";
        await page.GotoAsync(url + "/history");
        var rows = page.GetByTestId("history-computations").Locator("tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2, new() { Timeout = 20_000 }); // the map, then the sum
        await Assertions.Expect(page.GetByTestId("history-title")).ToHaveAttributeAsync("data-interactive", "yes", new() { Timeout = 20_000 });
        await page.GetByTestId("history-text").FillAsync("nap-299");
        await page.GetByTestId("history-search").ClickAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDir, "dashboard-history-search.png"), FullPage = true });
        await Assertions.Expect(rows).ToHaveCountAsync(1, new() { Timeout = 10_000 });
        await Assertions.Expect(rows.First).ToContainTextAsync("ok");
        await rows.First.GetByTestId("show-tasks").ClickAsync();
        await Assertions.Expect(page.GetByTestId("history-tasks").Locator("tbody tr")).ToHaveCountAsync(200, new() { Timeout = 10_000 });
        await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDir, "dashboard-history.png"), FullPage = true });
    }

    [Fact]
    public async Task A_100k_task_graph_keeps_the_pages_live_while_it_runs()
    {
        // Without the tests' usual state validation, which checks every task after every stimulus: at 133k tasks
        // that is the bottleneck, and this test is about what a production scheduler's pages do.
        await using var cluster = await DaskCluster.StartAsync(workers: 2,
            env: new Dictionary<string, string> { ["DASK_DISTRIBUTED__SCHEDULER__VALIDATE"] = "False" });
        using var pw = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(pw);
        var url = $"http://127.0.0.1:{cluster.DashboardPort}";
        var (page, errors) = await OpenPageAsync(browser);
        await ShowsWorkersAsync(page, url);

        using var script = cluster.StartScript("big_graph.py");
        await script.WaitForOutputAsync("SUBMITTED", TimeSpan.FromSeconds(120));
        // The blockwise layer's group shows all 100,000 tasks, and its bar keeps moving while the workers chew on it.
        var big = page.Locator("[data-total='100000']");
        await Assertions.Expect(big).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        var seen = new List<int>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && seen.Count < 4)
        {
            int done = await IntAttribute(big, "data-done");
            if (seen.Count == 0 || seen[^1] != done) seen.Add(done);
            await Task.Delay(200);
        }
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        Assert.True(seen.Count >= 4, $"the 100k group's bar did not keep moving: {string.Join(", ", seen)}; the scheduler says: " +
            await http.GetStringAsync("/api/groups"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDir, "dashboard-100k.png"), FullPage = true });

        // Other pages open and fill while it runs, and the status page comes back live.
        await page.GotoAsync(url + "/workers");
        await Assertions.Expect(page.GetByTestId("workers-table").Locator("tbody tr")).ToHaveCountAsync(2, new() { Timeout = 10_000 });
        await page.GotoAsync(url + "/");
        int before = await IntAttribute(big, "data-done");
        await Assertions.Expect(big).Not.ToHaveAttributeAsync("data-done", before.ToString(System.Globalization.CultureInfo.InvariantCulture), new() { Timeout = 10_000 });
        // The REST API answers a paged task query over the whole graph meanwhile.
        var tasks = await http.GetStringAsync("/api/tasks?pageSize=10");
        Assert.Contains("\"total\"", tasks, StringComparison.Ordinal);

        cluster.Touch("release");
        Assert.Equal(0, await script.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.True(errors.Count == 0, "browser console errors: " + string.Join("\n", errors));
    }
}
