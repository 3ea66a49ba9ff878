using System.Globalization;

namespace Scheduler.Dashboard.Components.Controls;

/// <summary>Stable colours per task prefix (the same prefix is the same colour on every chart and page).</summary>
public static class Palette
{
    public static string For(string prefix)
    {
        uint h = 2166136261;
        foreach (char c in prefix) h = (h ^ c) * 16777619;
        return string.Create(CultureInfo.InvariantCulture, $"hsl({h % 360}, 62%, 52%)");
    }

    public static string Bytes(long n) => n switch
    {
        < 0 => "-",
        < 1 << 10 => $"{n} B",
        < 1 << 20 => (n / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
        < 1L << 30 => (n / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
        _ => (n / 1073741824.0).ToString("0.00", CultureInfo.InvariantCulture) + " GiB",
    };

    public static string Pct(double fraction) => (100 * Math.Clamp(fraction, 0, 1)).ToString("0.##", CultureInfo.InvariantCulture) + "%";

    public static string Num(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}
