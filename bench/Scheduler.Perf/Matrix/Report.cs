using System.Globalization;
using System.Text;
using System.Text.Json;
using ScottPlot;

namespace Scheduler.Perf.Matrix;

/// <summary>
/// Writes the results: raw JSON, a markdown section (tables with the ratio per cell) spliced into
/// docs/performance.md between its result markers, and PNG plots of tasks/s against graph size and
/// against worker count.
/// </summary>
public static class Report
{
    public const string Begin = "<!-- results:begin (written by scheduler-perf matrix; edits here are lost) -->";
    public const string End = "<!-- results:end -->";
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void Write(MatrixResults r, string markdownPath, string baseline, string candidate)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(markdownPath))!;
        var assets = Path.Combine(dir, "performance");
        Directory.CreateDirectory(assets);
        File.WriteAllText(Path.Combine(assets, "results.json"), JsonSerializer.Serialize(r, new JsonSerializerOptions { WriteIndented = true }));
        var plots = Plots(r, assets, baseline, candidate);
        var section = Markdown(r, baseline, candidate, plots.Select(p => "performance/" + Path.GetFileName(p)).ToList());
        var text = File.Exists(markdownPath) ? File.ReadAllText(markdownPath) : $"# Performance\n\n{Begin}\n{End}\n";
        int b = text.IndexOf(Begin, StringComparison.Ordinal), e = text.IndexOf(End, StringComparison.Ordinal);
        text = b >= 0 && e > b
            ? text[..b] + Begin + "\n" + section + End + text[(e + End.Length)..]
            : text + "\n" + Begin + "\n" + section + End + "\n";
        File.WriteAllText(markdownPath, text);
    }

    /// <summary>Rewrites the markdown and the plots from a results.json written by an earlier run.</summary>
    public static void Rewrite(string resultsJson, string markdownPath, string baseline, string candidate)
    {
        var r = JsonSerializer.Deserialize<MatrixResults>(File.ReadAllText(resultsJson))
            ?? throw new InvalidDataException($"{resultsJson} holds no results");
        Write(r, markdownPath, baseline, candidate);
    }

    public static string Markdown(MatrixResults r, string baseline, string candidate, IReadOnlyList<string> plots)
    {
        var md = new StringBuilder();
        md.AppendLine(Inv, $"Measured {r.Started:yyyy-MM-dd HH:mm} UTC on {r.Machine}; both schedulers in the same run, alternating.");
        md.AppendLine();
        foreach (var (name, cmd) in r.Commands) md.AppendLine(Inv, $"- `{name}`: `{cmd}`");
        md.AppendLine();
        md.AppendLine("### Zero-work workers: throughput and scheduler CPU per task");
        md.AppendLine();
        md.AppendLine(Inv, $"| graph | workers | {baseline} tasks/s | {candidate} tasks/s | × | {baseline} µs CPU/task | {candidate} µs CPU/task | × |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var g in r.Cells.GroupBy(c => (c.Shape, c.Size, c.Workers)))
        {
            var a = g.FirstOrDefault(c => c.Scheduler == baseline);
            var c2 = g.FirstOrDefault(c => c.Scheduler == candidate);
            md.AppendLine(Inv, $"| {g.Key.Shape}-{g.Key.Size} | {g.Key.Workers} | {N(a?.TasksPerSecond)} | {N(c2?.TasksPerSecond)} | " +
                                $"{Ratio(c2?.TasksPerSecond, a?.TasksPerSecond)} | {F(a?.CpuMicrosPerTask)} | {F(c2?.CpuMicrosPerTask)} | " +
                                $"{Ratio(a?.CpuMicrosPerTask, c2?.CpuMicrosPerTask)} |");
        }
        md.AppendLine();
        md.AppendLine("× is the candidate's advantage: throughput ratio, and the baseline's CPU per task over the candidate's.");
        md.AppendLine();
        foreach (var p in plots) md.AppendLine(Inv, $"![{Path.GetFileNameWithoutExtension(p)}]({p})").AppendLine();
        if (r.Idle.Count > 0)
        {
            md.AppendLine("### Idle workers");
            md.AppendLine();
            md.AppendLine("| scheduler | connected workers | window | scheduler CPU | % of one core |");
            md.AppendLine("|---|---:|---:|---:|---:|");
            foreach (var i in r.Idle)
                md.AppendLine(Inv, $"| {i.Scheduler} | {i.Workers} | {i.Seconds:F0} s | {i.CpuSeconds:F2} s | {i.PercentOfCore:F2}% |");
            md.AppendLine();
        }
        if (r.Big.Count > 0)
        {
            md.AppendLine("### One big graph");
            md.AppendLine();
            md.AppendLine("Sent with no worker connected (so the whole graph is held), then workers join and it runs. A second client " +
                          "pings the scheduler (who_has RPC) every 10 ms throughout; the longest round trip is the longest pause another " +
                          "client or worker saw (round trips that overlap the heap walk below are left out: it stops the process). Held " +
                          "per task is measured twice: resident memory, and for this scheduler the live managed heap after a full " +
                          "collection (dotnet-gcdump), which leaves out garbage not yet collected.");
            md.AppendLine();
            md.AppendLine("| scheduler | graph | held per task (RSS) | held per task (live heap) | peak RSS | ingest | run | tasks/s | CPU µs/task | longest probe | p99 probe |");
            md.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var b in r.Big)
                md.AppendLine(Inv, $"| {b.Scheduler} | {b.Graph} | {b.HeldBytesPerTask:N0} B | {(b.LiveBytesPerTask is { } live ? $"{live:N0} B" : "n/a")} | {b.RssPeak / 1048576.0:N0} MiB | {b.IngestSeconds:F1} s | " +
                                   $"{b.RunSeconds:F1} s | {b.Tasks / b.RunSeconds:N0} | {b.CpuSeconds / b.Tasks * 1e6:F1} | {b.MaxPauseMs:N0} ms | {b.P99PauseMs:N0} ms |");
            md.AppendLine();
        }
        return md.ToString();
    }

    private static List<string> Plots(MatrixResults r, string dir, string baseline, string candidate)
    {
        var files = new List<string>();
        int maxWorkers = r.Cells.Count > 0 ? r.Cells.Max(c => c.Workers) : 0;
        int maxSize = r.Cells.Count > 0 ? r.Cells.Max(c => c.Size) : 0;
        if (r.Cells.Select(c => c.Size).Distinct().Count() > 1)
            files.Add(Plot(r.Cells.Where(c => c.Workers == maxWorkers).ToList(), c => c.Size,
                $"Tasks/s against graph size ({maxWorkers} zero workers)", "tasks in the graph",
                Path.Combine(dir, "tasks-per-second-by-size.png"), baseline, candidate, Alignment.LowerRight));
        if (r.Cells.Select(c => c.Workers).Distinct().Count() > 1)
            files.Add(Plot(r.Cells.Where(c => c.Size == maxSize).ToList(), c => c.Workers,
                $"Tasks/s against worker count (graphs of {maxSize:N0} tasks)", "zero workers",
                Path.Combine(dir, "tasks-per-second-by-workers.png"), baseline, candidate, Alignment.MiddleRight));
        return files;
    }

    /// <summary>Log-log lines of tasks/s, one per (shape, scheduler): solid for the candidate, dashed for the baseline.</summary>
    private static string Plot(List<CellResult> cells, Func<CellResult, int> x, string title, string xLabel, string path,
        string baseline, string candidate, Alignment legend)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var shapes = cells.Select(c => c.Shape).Distinct().ToList();
        foreach (var (shape, si) in shapes.Select((s, i) => (s, i)))
            foreach (var sched in new[] { candidate, baseline })
            {
                var pts = cells.Where(c => c.Shape == shape && c.Scheduler == sched).OrderBy(x).ToList();
                if (pts.Count == 0) continue;
                var line = plot.Add.Scatter(pts.Select(p => Math.Log10(x(p))).ToArray(), pts.Select(p => Math.Log10(p.TasksPerSecond)).ToArray());
                line.Color = palette.GetColor(si);
                line.LineWidth = 2;
                line.MarkerSize = 6;
                line.LegendText = $"{shape} ({sched})";
                if (sched == baseline) line.LinePattern = LinePattern.Dashed;
            }
        LogTicks(plot.Axes.Bottom, cells.Select(x).Distinct());
        LogTicks(plot.Axes.Left, null);
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel("tasks per second (log)");
        plot.ShowLegend(legend); // placed where the two families of lines (ours above, Python's below) leave room
        plot.SavePng(path, 900, 560);
        return path;
    }

    /// <summary>Ticks at 1, 2 and 5 times the powers of ten (or at the given values), labelled with the real numbers.</summary>
    private static void LogTicks(IAxis axis, IEnumerable<int>? at)
    {
        double[] positions = at != null
            ? at.OrderBy(v => v).Select(v => Math.Log10(v)).ToArray()
            : Enumerable.Range(0, 8).SelectMany(k => new[] { 1, 2, 5 }.Select(m => Math.Log10(m * Math.Pow(10, k)))).ToArray();
        axis.SetTicks(positions, positions.Select(p => Math.Pow(10, p).ToString("N0", Inv)).ToArray());
    }

    private static string N(double? v) => v is double d ? d.ToString("N0", Inv) : "–";
    private static string F(double? v) => v is double d ? d.ToString(d < 10 ? "F1" : "F0", Inv) : "–";
    private static string Ratio(double? a, double? b) => a is double x && b is double y && y > 0 ? (x / y).ToString("F1", Inv) : "–";
}
