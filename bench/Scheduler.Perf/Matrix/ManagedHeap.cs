using System.Diagnostics;
using System.Globalization;

namespace Scheduler.Perf.Matrix;

/// <summary>
/// The live managed heap of a .NET process: dotnet-gcdump (a local tool in dotnet-tools.json) forces a full,
/// compacting collection in the target and walks what survives. Resident memory alone overstates what a .NET
/// process holds: garbage not yet collected and the young generation's budget count there too. For a process
/// that is not .NET (dask-scheduler) the tool fails and the answer is null.
/// </summary>
public static class ManagedHeap
{
    public static async Task<long?> LiveBytesAsync(int pid, CancellationToken ct)
    {
        var file = Path.Combine(Path.GetTempPath(), $"scheduler-perf-{pid}-{Environment.TickCount64}.gcdump");
        try
        {
            if (await RunAsync($"gcdump collect -p {pid} -o {file}", ct).ConfigureAwait(false) is null || !File.Exists(file)) return null;
            var report = await RunAsync($"gcdump report {file}", ct).ConfigureAwait(false);
            return report == null ? null : ParseHeapBytes(report);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The "N GC Heap bytes" line of a gcdump report.</summary>
    public static long? ParseHeapBytes(string report)
    {
        foreach (var line in report.Split('\n'))
        {
            var t = line.Trim();
            if (!t.EndsWith("GC Heap bytes", StringComparison.Ordinal)) continue;
            var number = t[..t.IndexOf(' ')].Replace(",", "", StringComparison.Ordinal);
            return long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : null;
        }
        return null;
    }

    private static async Task<string?> RunAsync(string arguments, CancellationToken ct)
    {
        var psi = new ProcessStartInfo("dotnet", arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi);
        if (p == null) return null;
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        _ = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct).ConfigureAwait(false);
        return p.ExitCode == 0 ? await stdout.ConfigureAwait(false) : null;
    }
}
