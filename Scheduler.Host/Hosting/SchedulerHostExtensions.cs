using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Scheduler.Core.Config;
using Scheduler.Core.Engine;
using Scheduler.Core.State;
using Scheduler.Host.Comm;
using Scheduler.Host.Transfers;

using Scheduler.Host.Diagnostics;
using Scheduler.Host.Persistence;

namespace Scheduler.Host.Hosting;

/// <summary>Composition of the scheduler: core services, the Dask TCP endpoint, the HTTP endpoint.</summary>
public static class SchedulerHostExtensions
{
    public static WebApplicationBuilder AddScheduler(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Scheduler").Get<SchedulerOptions>() ?? new SchedulerOptions();
        builder.Services.AddSingleton(options);
        // SIGTERM: the Dask connections are closed at once (see PublishAddressOnStart), the history's last batch is
        // written; open dashboards (WebSockets) are not waited for beyond this.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        var config = SchedulerConfig.FromDask(DaskConfig.FromProcessEnvironment());
        var now = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).TotalSeconds;
        var identity = new SchedulerIdentity("Scheduler-" + Guid.NewGuid(), now);
        builder.Services.AddSingleton(new SchedulerRuntime(config, identity));
        builder.Services.AddSingleton(sp => new SchedulerState(config, identity, sp.GetRequiredService<ILoggerFactory>().CreateLogger("Scheduler.State")));
        builder.Services.AddSingleton(sp => new SchedulerActor(sp.GetRequiredService<SchedulerState>(), TimeProvider.System,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Scheduler.Actor")));
        builder.Services.AddSingleton<WorkerRpcPool>();
        builder.Services.AddSingleton<DataTransfers>();
        builder.Services.AddSingleton<ConnectionRegistry>();
        // Recent log records for get_logs (Client.get_scheduler_logs).
        var logRing = new LogRing();
        builder.Logging.AddProvider(logRing);
        builder.Services.AddSingleton(logRing);
        // The history writer subscribes to the actor's events before the actor starts.
        builder.AddHistory();
        builder.Services.AddSingleton<StartupWarmup>();
        builder.Services.AddHostedService<SchedulerActorService>();

        // Dask messages can be far larger than Kestrel's 1 MiB read buffer; the frame reader consumes
        // them incrementally, so the transport only needs to keep delivering bytes.
        builder.WebHost.UseSockets(o => o.MaxReadBufferSize = 8L << 20);
        var (dashHost, dashPort) = CommandLine.ParseHostPort(options.DashboardAddress, 8787);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = 64L << 20;
            k.Listen(BindAddress(options.Host), options.Port, l =>
            {
                l.Protocols = HttpProtocols.None;
                l.UseConnectionHandler<DaskConnectionHandler>();
            });
            k.Listen(BindAddress(dashHost ?? options.Host), dashPort);
        });
        return builder;
    }

    private static IPAddress BindAddress(string? host)
    {
        if (string.IsNullOrEmpty(host) || host == "0.0.0.0" || host == "*") return IPAddress.Any;
        if (host == "localhost") return IPAddress.Loopback;
        if (IPAddress.TryParse(host, out var ip)) return ip;
        return Dns.GetHostAddresses(host).First(a => a.AddressFamily == AddressFamily.InterNetwork);
    }

    /// <summary>After the ports are bound: the advertised address, the scheduler file, a startup line.</summary>
    public static void PublishAddressOnStart(this WebApplication app)
    {
        // On SIGTERM the Dask connections are closed at once, as dask-scheduler closes its comms: peers reconnect or
        // stop, and the host exits instead of waiting out the shutdown timeout for them.
        app.Lifetime.ApplicationStopping.Register(() => app.Services.GetRequiredService<ConnectionRegistry>().AbortAll());
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var options = app.Services.GetRequiredService<SchedulerOptions>();
            var runtime = app.Services.GetRequiredService<SchedulerRuntime>();
            var server = app.Services.GetRequiredService<IServer>();
            var ports = server.Features.Get<IServerAddressesFeature>()?.Addresses
                .Select(a => new Uri(a.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal)).Port)
                .ToList() ?? [];
            // Kestrel lists endpoints in the order they were configured: the Dask port first, then HTTP.
            int daskPort = ports.Count > 0 ? ports[0] : options.Port;
            int httpPort = ports.Count > 1 ? ports[1] : 0;
            var host = string.IsNullOrEmpty(options.Host) || options.Host == "0.0.0.0" ? AdvertisedHost() : options.Host;
            runtime.Identity.Address = $"tcp://{host}:{daskPort}";
            runtime.Identity.DashboardPort = httpPort;
            var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Scheduler");
            log.LogInformation("Scheduler at: {Address}", runtime.Identity.Address);
            log.LogInformation("dashboard at: http://{Host}:{Port}/status", host, httpPort);
            if (options.SchedulerFile is { } file)
            {
                var json = new Dictionary<string, object?>
                {
                    ["type"] = "Scheduler",
                    ["id"] = runtime.Identity.Id,
                    ["address"] = runtime.Identity.Address,
                    ["services"] = new Dictionary<string, int> { ["dashboard"] = httpPort },
                    ["started"] = runtime.Identity.Started,
                    ["workers"] = new Dictionary<string, object>(),
                };
                var dir = Path.GetDirectoryName(Path.GetFullPath(file));
                if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
                File.WriteAllText(file, JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
            }
        });
    }

    private static string AdvertisedHost()
    {
        try
        {
            var ip = Dns.GetHostAddresses(Dns.GetHostName())
                .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
            if (ip != null) return ip.ToString();
        }
        catch (SocketException) { }
        return "127.0.0.1";
    }
}
