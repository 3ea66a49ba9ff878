namespace Scheduler.Host.Hosting;

/// <summary>
/// The dask-scheduler command line (the subset that makes sense here), turned into configuration
/// keys so appsettings.json and flags share one path. Unknown flags are reported, not fatal, so a
/// dask-scheduler command line can be reused as it is.
/// </summary>
public static class CommandLine
{
    public static (Dictionary<string, string?> Settings, List<string> Ignored) Parse(string[] args)
    {
        var settings = new Dictionary<string, string?>();
        var ignored = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            var a = args[i];
            string? inline = null;
            int eq = a.IndexOf('=');
            if (a.StartsWith("--", StringComparison.Ordinal) && eq > 0) { inline = a[(eq + 1)..]; a = a[..eq]; }
            string? Value() => inline ?? (i + 1 < args.Length ? args[++i] : null);
            switch (a)
            {
                case "--host": settings["Scheduler:Host"] = Value(); break;
                case "--port": settings["Scheduler:Port"] = Value(); break;
                case "--dashboard-address": settings["Scheduler:DashboardAddress"] = Value(); break;
                case "--scheduler-file": settings["Scheduler:SchedulerFile"] = Value(); break;
                case "--no-dashboard": settings["Scheduler:NoDashboard"] = "true"; break;
                case "--dashboard": settings["Scheduler:NoDashboard"] = "false"; break;
                case "--db": settings["Scheduler:Db"] = Value(); break;
                case "--no-show" or "--show" or "--use-xheaders" or "--jupyter" or "--no-jupyter": break;
                case "--protocol" or "--interface" or "--pid-file" or "--local-directory" or "--preload" or "--idle-timeout"
                    or "--dashboard-prefix" or "--tls-ca-file" or "--tls-cert" or "--tls-key":
                    ignored.Add(a + " " + Value());
                    break;
                default:
                    // ASP.NET-style settings (--Section:Key=value) pass through to configuration.
                    if (a.StartsWith("--", StringComparison.Ordinal) && a.Contains(':', StringComparison.Ordinal))
                        settings[a[2..]] = Value();
                    else
                        ignored.Add(a);
                    break;
            }
        }
        return (settings, ignored);
    }

    /// <summary>"host:port", ":port" or "port" -> (host or null, port).</summary>
    public static (string? Host, int Port) ParseHostPort(string text, int fallbackPort)
    {
        var t = text.Trim();
        int scheme = t.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0) t = t[(scheme + 3)..];
        int colon = t.LastIndexOf(':');
        if (colon < 0) return int.TryParse(t, out var p) ? (null, p) : (t, fallbackPort);
        var host = t[..colon].Trim('[', ']');
        return (host.Length == 0 ? null : host, int.TryParse(t.AsSpan(colon + 1), out var port) ? port : fallbackPort);
    }
}
