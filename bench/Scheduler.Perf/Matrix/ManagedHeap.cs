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

    /// <summary>
    /// The most objects a gcdump holds: on a bigger heap it stops there (measured: a million-task graph's dump
    /// counted exactly this many objects and a third of the bytes the process holds), so its byte count is not
    /// the heap's.
    /// </summary>
    public const long DumpObjectLimit = 10_000_000;

    /// <summary>The "N GC Heap bytes" line of a gcdump report; null when there is none, or when the dump is cut
    /// short at <see cref="DumpObjectLimit"/> objects.</summary>
    public static long? ParseHeapBytes(string report)
    {
        long? bytes = null, objects = null;
        foreach (var line in report.Split('\n'))
        {
            var t = line.Trim();
            if (t.EndsWith("GC Heap bytes", StringComparison.Ordinal)) bytes = LeadingNumber(t);
            else if (t.EndsWith("GC Heap objects", StringComparison.Ordinal)) objects = LeadingNumber(t);
        }
        return objects >= DumpObjectLimit ? null : bytes;
    }

    private static long? LeadingNumber(string line)
    {
        var number = line[..line.IndexOf(' ')].Replace(",", "", StringComparison.Ordinal);
        return long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : null;
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
