using System.Globalization;

namespace Scheduler.Perf.Matrix;

/// <summary>CPU time and resident memory of another process, from /proc (Linux).</summary>
public static class ProcessStats
{
    // USER_HZ is 100 on every Linux the scheduler targets; /proc/pid/stat counts in those ticks.
    private const double TicksPerSecond = 100.0;

    /// <summary>User + system CPU seconds of all the process's threads, live and exited.</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name (field 2) may hold spaces; the fields after it follow the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
        long stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
        return (utime + stime) / TicksPerSecond;
    }

    /// <summary>Resident set size in bytes.</summary>
    public static long RssBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        return 0;
    }

    /// <summary>Waits until the process has used no CPU for <paramref name="quiet"/> (it finished what it was given).</summary>
    public static async Task WaitIdleAsync(int pid, TimeSpan quiet, TimeSpan timeout, CancellationToken ct)
    {
        var end = DateTime.UtcNow + timeout;
        double last = CpuSeconds(pid);
        var quietSince = DateTime.UtcNow;
        while (DateTime.UtcNow < end)
        {
            await Task.Delay(100, ct).ConfigureAwait(false);
            double now = CpuSeconds(pid);
            // Up to one tick per interval is background noise (timers, heartbeats), not work.
            if (now - last > 0.011) quietSince = DateTime.UtcNow;
            else if (DateTime.UtcNow - quietSince >= quiet) return;
            last = now;
        }
        throw new TimeoutException($"process {pid} was still busy after {timeout.TotalSeconds} s");
    }
}
