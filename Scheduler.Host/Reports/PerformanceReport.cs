using System.Globalization;
using System.Net;
using System.Text;
using Scheduler.Core.State;
using Scheduler.Core.Views;
using Scheduler.Host.Api;

namespace Scheduler.Host.Reports;

/// <summary>
/// The answer to the <c>performance_report</c> RPC (distributed.performance_report): a self-contained HTML page of
/// the period since <c>start</c>: the task stream as bars per worker thread, each task prefix's counts and
/// compute time, the workers, and the code that ran. No Bokeh, no scripts, nothing fetched.
/// </summary>
public static class PerformanceReport
{
    private sealed record Data(ClusterSummary Summary, List<TaskStreamBar> Bars, List<WorkerView> Workers, List<GroupView> Groups);

    public static async Task<string> BuildAsync(StateReader reader, double start, string? code, CancellationToken ct)
    {
        var data = await reader.ReadAsync(s => new Data(StateViews.Summary(s),
            StateViews.TaskStreamSince(s, 0, int.MaxValue).Where(b => b.Start >= start).ToList(), StateViews.Workers(s), StateViews.Groups(s)), ct)
            .ConfigureAwait(false);
        return Render(data, start, code);
    }

    private static string Render(Data d, double start, string? code)
    {
        var inv = CultureInfo.InvariantCulture;
        string N(double v) => v.ToString("0.###", inv);
        string E(string? s) => WebUtility.HtmlEncode(s ?? "");
        double end = d.Bars.Count > 0 ? Math.Max(d.Bars.Max(b => b.Stop), start) : start;
        double span = Math.Max(end - start, 1e-3);
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Dask performance report</title><style>")
          .Append("body{font:14px system-ui,sans-serif;margin:24px;color:#1d2330}h1{font-size:20px}h2{font-size:16px;margin-top:28px}")
          .Append("table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #e1e4ea;text-align:left}")
          .Append("pre{background:#f6f7f9;padding:10px;overflow:auto}.muted{color:#6b7385}svg{border:1px solid #e1e4ea;background:#fbfcfd}")
          .Append("</style></head><body>");
        sb.Append("<h1>Dask performance report</h1>");
        sb.Append(inv, $"<p class=\"muted\">Scheduler {E(d.Summary.Address)} · from {DateTime.UnixEpoch.AddSeconds(start):u} · {N(span)} s · ")
          .Append(inv, $"{d.Bars.Count(b => b.Action == "compute")} tasks computed on {d.Summary.Workers} workers ({d.Summary.Threads} threads)</p>");

        // Task stream: one row per worker thread, one bar per compute or transfer.
        var rows = d.Bars.Select(b => (b.Worker, b.Thread)).Distinct().OrderBy(r => r.Worker, StringComparer.Ordinal).ThenBy(r => r.Thread).ToList();
        var index = rows.Select((r, i) => (r, i)).ToDictionary(x => x.r, x => x.i);
        sb.Append("<h2>Task stream</h2>");
        if (rows.Count == 0) sb.Append("<p class=\"muted\">No task ran in this period.</p>");
        else
        {
            const int Width = 1000, RowHeight = 14;
            sb.Append(inv, $"<svg id=\"task-stream\" width=\"{Width}\" height=\"{rows.Count * RowHeight}\" viewBox=\"0 0 {Width} {rows.Count * RowHeight}\">");
            foreach (var b in d.Bars)
            {
                double x = (b.Start - start) / span * Width, w = Math.Max(0.5, (b.Stop - b.Start) / span * Width);
                var colour = b.Action == "compute" ? (b.Status == "OK" ? global::Scheduler.Dashboard.Components.Controls.Palette.For(b.Prefix) : "#c0392b") : "#e74c3c88";
                sb.Append(inv, $"<rect x=\"{N(x)}\" y=\"{index[(b.Worker, b.Thread)] * RowHeight + 1}\" width=\"{N(w)}\" height=\"{RowHeight - 2}\" fill=\"{colour}\">")
                  .Append(inv, $"<title>{E(b.Key)} on {E(b.Worker)}: {E(b.Action)} {N((b.Stop - b.Start) * 1000)} ms</title></rect>");
            }
            sb.Append("</svg>");
        }

        // Per prefix: how many, how long.
        sb.Append("<h2>Task prefixes</h2><table id=\"prefixes\"><tr><th>Prefix</th><th>Tasks</th><th>Compute time (s)</th><th>Mean (ms)</th><th>Erred</th></tr>");
        foreach (var g in d.Bars.Where(b => b.Action == "compute").GroupBy(b => b.Prefix).OrderByDescending(g => g.Sum(b => b.Stop - b.Start)))
        {
            double total = g.Sum(b => b.Stop - b.Start);
            sb.Append(inv, $"<tr><td>{E(g.Key)}</td><td>{g.Count()}</td><td>{N(total)}</td><td>{N(total / g.Count() * 1000)}</td><td>{g.Count(b => b.Status != "OK")}</td></tr>");
        }
        sb.Append("</table>");

        sb.Append("<h2>Task groups now</h2><table id=\"groups\"><tr><th>Group</th><th>Tasks</th><th>States</th></tr>");
        foreach (var g in d.Groups.OrderByDescending(g => g.Total).Take(100))
            sb.Append(inv, $"<tr><td>{E(g.Name)}</td><td>{g.Total}</td><td>{E(string.Join(", ", g.States.Select(s => $"{s.Key}: {s.Value}")))}</td></tr>");
        sb.Append("</table>");

        sb.Append("<h2>Workers</h2><table id=\"workers\"><tr><th>Address</th><th>Threads</th><th>Memory limit</th><th>Managed</th><th>Tasks run in period</th></tr>");
        foreach (var w in d.Workers)
            sb.Append(inv, $"<tr><td>{E(w.Address)}</td><td>{w.NThreads}</td><td>{w.MemoryLimit}</td><td>{w.ManagedBytes}</td><td>{d.Bars.Count(b => b.Worker == w.Address && b.Action == "compute")}</td></tr>");
        sb.Append("</table>");

        if (!string.IsNullOrWhiteSpace(code)) sb.Append("<h2>Code</h2><pre>").Append(E(code)).Append("</pre>");
        sb.Append("<p class=\"muted\">Written by this scheduler (not Python's), from its own task stream.</p></body></html>");
        return sb.ToString();
    }
}
