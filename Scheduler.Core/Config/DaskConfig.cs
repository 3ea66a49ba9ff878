using System.Globalization;

namespace Scheduler.Core.Config;

/// <summary>
/// Dask's configuration as it reaches <c>dask-scheduler</c>: environment variables named
/// <c>DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES</c> and so on (double underscore = nesting,
/// single underscore = hyphen, values parsed like YAML scalars). Only settings this scheduler
/// implements are read; <see cref="SchedulerConfig.FromEnvironment"/> lists them.
/// </summary>
public sealed class DaskConfig
{
    private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);

    public DaskConfig(IEnumerable<KeyValuePair<string, string>> environment)
    {
        foreach (var (name, value) in environment)
        {
            if (!name.StartsWith("DASK_", StringComparison.OrdinalIgnoreCase)) continue;
            // DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES -> distributed.scheduler.allowed-failures
            var path = name[5..].ToLowerInvariant().Replace("__", ".", StringComparison.Ordinal).Replace('_', '-');
            _values[path] = value;
        }
    }

    public static DaskConfig FromProcessEnvironment()
    {
        var env = Environment.GetEnvironmentVariables();
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (System.Collections.DictionaryEntry e in env)
            if (e.Key is string k && e.Value is string v) pairs.Add(new(k, v));
        return new DaskConfig(pairs);
    }

    /// <summary>Raw value of a dotted key (hyphens or underscores both accepted), or null.</summary>
    public string? Get(string key) =>
        _values.TryGetValue(key.Replace('_', '-'), out var v) ? v.Trim().Trim('"', '\'') : null;

    public bool Has(string key) => Get(key) != null;

    public double GetDouble(string key, double fallback)
    {
        var v = Get(key);
        if (v == null) return fallback;
        if (v.Equals("inf", StringComparison.OrdinalIgnoreCase) || v.Equals(".inf", StringComparison.OrdinalIgnoreCase))
            return double.PositiveInfinity;
        return double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : fallback;
    }

    public int GetInt(string key, int fallback)
    {
        var v = Get(key);
        return v != null && int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : fallback;
    }

    public bool GetBool(string key, bool fallback)
    {
        var v = Get(key);
        if (v == null) return fallback;
        return v.ToLowerInvariant() switch
        {
            "true" or "yes" or "on" or "1" => true,
            "false" or "no" or "off" or "0" => false,
            _ => fallback,
        };
    }

    /// <summary>Seconds, from a number or a Dask time string ("500 ms", "5 minutes").</summary>
    public double GetSeconds(string key, double fallback)
    {
        var v = Get(key);
        return v == null ? fallback : TimeParsing.ParseSeconds(v) ?? fallback;
    }

    /// <summary>All keys below a prefix (for maps such as default-task-durations).</summary>
    public IEnumerable<KeyValuePair<string, string>> Under(string prefix)
    {
        var p = prefix.Replace('_', '-') + ".";
        foreach (var (k, v) in _values)
            if (k.StartsWith(p, StringComparison.OrdinalIgnoreCase)) yield return new(k[p.Length..], v.Trim().Trim('"', '\''));
    }
}

/// <summary>Dask's <c>parse_timedelta</c> and byte-size parsing, for config values and RPC arguments.</summary>
public static class TimeParsing
{
    private static readonly (string Unit, double Seconds)[] Units =
    [
        ("milliseconds", 1e-3), ("millisecond", 1e-3), ("ms", 1e-3),
        ("microseconds", 1e-6), ("microsecond", 1e-6), ("us", 1e-6), ("µs", 1e-6),
        ("nanoseconds", 1e-9), ("nanosecond", 1e-9), ("ns", 1e-9),
        ("seconds", 1), ("second", 1), ("secs", 1), ("sec", 1), ("s", 1),
        ("minutes", 60), ("minute", 60), ("mins", 60), ("min", 60), ("m", 60),
        ("hours", 3600), ("hour", 3600), ("hrs", 3600), ("hr", 3600), ("h", 3600),
        ("days", 86400), ("day", 86400), ("d", 86400),
        ("weeks", 604800), ("week", 604800), ("w", 604800),
    ];

    /// <summary>Parses "100 ms", "60s", "5 minutes", "2.5", or a number value; null if unparsable.</summary>
    public static double? ParseSeconds(object? value) => value switch
    {
        null => null,
        long l => l,
        double d => d,
        string s => ParseSeconds(s),
        _ => null,
    };

    public static double? ParseSeconds(string text)
    {
        var s = text.Trim().Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
        if (s.Length == 0) return null;
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var plain)) return plain;
        int i = 0;
        while (i < s.Length && (char.IsDigit(s[i]) || s[i] == '.' || s[i] == '-' || s[i] == '+' || s[i] == 'e' && i > 0 && char.IsDigit(s[i - 1]) && i + 1 < s.Length && char.IsDigit(s[i + 1])))
            i++;
        var num = i == 0 ? "1" : s[..i];
        var unit = s[i..];
        if (!double.TryParse(num, NumberStyles.Float, CultureInfo.InvariantCulture, out var n)) return null;
        foreach (var (u, secs) in Units)
            if (unit == u) return n * secs;
        return null;
    }

    /// <summary>Parses "1kiB", "100 MB", "2GB", or a plain number of bytes.</summary>
    public static long? ParseBytes(string text)
    {
        var s = text.Trim().Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
        if (long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var plain)) return plain;
        int i = 0;
        while (i < s.Length && (char.IsDigit(s[i]) || s[i] == '.')) i++;
        if (i == 0 || !double.TryParse(s[..i], NumberStyles.Float, CultureInfo.InvariantCulture, out var n)) return null;
        double mult = s[i..] switch
        {
            "" or "b" => 1,
            "kb" or "k" => 1e3, "mb" or "m" => 1e6, "gb" or "g" => 1e9, "tb" or "t" => 1e12,
            "kib" => 1024, "mib" => 1 << 20, "gib" => 1 << 30, "tib" => 1L << 40,
            _ => double.NaN,
        };
        return double.IsNaN(mult) ? null : (long)(n * mult);
    }
}
