using System.Globalization;

namespace Scheduler.Core.Pickle;

/// <summary>Dask's text formatting helpers, for messages users match on as Python writes them.</summary>
public static class PyFormat
{
    private static readonly (string Prefix, double Size)[] Units =
        [("Pi", 1L << 50), ("Ti", 1L << 40), ("Gi", 1L << 30), ("Mi", 1L << 20), ("ki", 1L << 10)];

    /// <summary><c>dask.utils.format_bytes</c>: "1 B", "1.21 kiB", "11.77 MiB".</summary>
    public static string Bytes(long n)
    {
        foreach (var (prefix, k) in Units)
            if (n >= k * 0.9) return (n / k).ToString("0.00", CultureInfo.InvariantCulture) + " " + prefix + "B";
        return n.ToString(CultureInfo.InvariantCulture) + " B";
    }
}
