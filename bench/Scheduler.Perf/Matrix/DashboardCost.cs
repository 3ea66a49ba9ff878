using System.Diagnostics;
using Scheduler.Perf.Graphs;
using Scheduler.Perf.Workers;

namespace Scheduler.Perf.Matrix;

/// <summary>
/// What an open dashboard costs the scheduler, in one warm scheduler process with zero workers (so no Python
/// process competes for the two cores): the same graphs run alternately with and without a headless Chromium
/// on /status, and the scheduler's CPU per task is compared pair by pair.
/// </summary>
public sealed class DashboardCost(string command, string chromium, string[] graphs, int pairs, int workers, TextWriter log)
{
    public async Task<Dictionary<string, List<(double Closed, double Open)>>> RunAsync(CancellationToken ct)
    {
        await using var scheduler = await SchedulerProcess.StartAsync("ours", command, ct).ConfigureAwait(false);
        await using var pool = await ZeroWorkerPool.StartAsync(scheduler.Address, workers, 1, ct).ConfigureAwait(false);
        await using var client = await GraphClient.ConnectAsync(scheduler.Address, ct).ConfigureAwait(false);
        await client.WaitForWorkersAsync(workers, TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
        var built = graphs.Select(GraphShapes.Parse).ToList();
        foreach (var g in built) await RunAsync(scheduler, client, g, ct).ConfigureAwait(false); // warm-up
        var results = built.ToDictionary(g => g.Name, _ => new List<(double, double)>());
        for (int i = 0; i < pairs; i++)
        {
            var closed = new Dictionary<string, double>();
            var open = new Dictionary<string, double>();
            foreach (bool withBrowser in i % 2 == 0 ? new[] { false, true } : [true, false])
            {
                using var browser = withBrowser ? StartBrowser(scheduler.DashboardUrl + "/status") : null;
                if (browser != null) await Task.Delay(4000, ct).ConfigureAwait(false); // page loaded, circuit live
                foreach (var g in built)
                    (withBrowser ? open : closed)[g.Name] = await RunAsync(scheduler, client, g, ct).ConfigureAwait(false);
                if (browser != null)
                {
                    browser.Kill(entireProcessTree: true);
                    await browser.WaitForExitAsync(ct).ConfigureAwait(false);
                    await Task.Delay(1000, ct).ConfigureAwait(false);
                }
            }
            foreach (var g in built) results[g.Name].Add((closed[g.Name], open[g.Name]));
            log.WriteLine($"pair {i}: " + string.Join(", ", built.Select(g => $"{g.Name} {closed[g.Name]:F1}/{open[g.Name]:F1} µs")));
        }
        return results;
    }

    /// <summary>Scheduler CPU µs per task for one run of the graph.</summary>
    private static async Task<double> RunAsync(SchedulerProcess scheduler, GraphClient client, GeneratedGraph g, CancellationToken ct)
    {
        var frames = client.Encode(g);
        await ProcessStats.WaitIdleAsync(scheduler.Pid, TimeSpan.FromMilliseconds(300), TimeSpan.FromMinutes(5), ct).ConfigureAwait(false);
        double c0 = scheduler.CpuSeconds();
        await client.SendAsync(frames, ct).ConfigureAwait(false);
        await client.WaitAsync(g, ct).ConfigureAwait(false);
        return (scheduler.CpuSeconds() - c0) / g.Count * 1e6;
    }

    private Process StartBrowser(string url)
    {
        var profile = Directory.CreateTempSubdirectory("perf-chromium-").FullName;
        var psi = new ProcessStartInfo(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + profile, url])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        return Process.Start(psi) ?? throw new InvalidOperationException($"could not start {chromium}");
    }

    public static string Markdown(Dictionary<string, List<(double Closed, double Open)>> results)
    {
        var md = new System.Text.StringBuilder();
        md.AppendLine("| graph | closed µs/task (median) | open µs/task (median) | paired ratio (median) | ratios |");
        md.AppendLine("|---|---:|---:|---:|---|");
        foreach (var (name, pairs) in results)
        {
            var ratios = pairs.Select(p => p.Open / p.Closed).ToList();
            var inv = System.Globalization.CultureInfo.InvariantCulture;
            md.Append(inv, $"| {name} | {Median(pairs.Select(p => p.Closed)):F1} | {Median(pairs.Select(p => p.Open)):F1} | {Median(ratios):F3} | ")
              .AppendLine(string.Join(", ", ratios.Select(r => r.ToString("F2", inv))) + " |");
        }
        return md.ToString();
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.OrderBy(x => x).ToList();
        return v.Count == 0 ? double.NaN : v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
    }
}
