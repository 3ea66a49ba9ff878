using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Scheduler.Perf.Matrix;

/// <summary>
/// A scheduler started from a command template ({port} and {http} replaced by free ports), run with
/// <c>exec</c> so that the measured pid is the scheduler itself, in a scratch directory of its own.
/// </summary>
public sealed partial class SchedulerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private SchedulerProcess(string name, Process process, string directory, int port, int http)
    {
        Name = name;
        _process = process;
        _directory = directory;
        Address = $"tcp://127.0.0.1:{port}";
        DashboardUrl = $"http://127.0.0.1:{http}";
    }

    /// <summary>The HTTP address given as {http} (the dashboard, for a scheduler started with it).</summary>
    public string DashboardUrl { get; }

    public string Name { get; }
    public string Address { get; }
    public int Pid => _process.Id;
    public string LogPath => Path.Combine(_directory, "scheduler.log");

    public static async Task<SchedulerProcess> StartAsync(string name, string commandTemplate, CancellationToken ct)
    {
        int port = FreePort(), http = FreePort();
        var command = commandTemplate.Replace("{port}", port.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Replace("{http}", http.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var dir = Directory.CreateTempSubdirectory($"perf-{name}-").FullName;
        var psi = new ProcessStartInfo("/bin/sh", ["-c", $"exec {command} > scheduler.log 2>&1"])
        {
            WorkingDirectory = dir,
            UseShellExecute = false,
        };
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {command}");
        var sp = new SchedulerProcess(name, process, dir, port, http);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"{name} exited at start: {File.ReadAllText(sp.LogPath)}");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port, ct).ConfigureAwait(false);
                return sp;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, ct).ConfigureAwait(false);
            }
        }
    }

    public double CpuSeconds() => ProcessStats.CpuSeconds(Pid);
    public long RssBytes() => ProcessStats.RssBytes(Pid);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, 15); // SIGTERM: both schedulers shut down cleanly on it
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try { await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { _process.Kill(); }
        }
        _process.Dispose();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
