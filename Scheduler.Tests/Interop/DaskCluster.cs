using System.Text.Json;
using Scheduler.Core.Protocol;

namespace Scheduler.Tests.Interop;

/// <summary>
/// The real thing: our scheduler as its own process (exactly as a user starts it, on free ports,
/// discovered through --scheduler-file), and real Debian dask-worker processes.
/// </summary>
public sealed class DaskCluster : IAsyncDisposable
{
    public const string Python = "/usr/bin/python3";
    private readonly string _dir = Directory.CreateTempSubdirectory("dask-cluster-").FullName;
    private readonly List<ProcessRunner> _workers = [];

    public ProcessRunner Scheduler { get; private set; } = null!;
    public string Address { get; private set; } = "";
    public int DashboardPort { get; private set; }
    public IReadOnlyList<ProcessRunner> Workers => _workers;
    public string SchedulerFile => Path.Combine(_dir, "scheduler.json");

    public static string RepoRoot
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Scheduler.sln"))) return d.FullName;
            throw new DirectoryNotFoundException("Scheduler.sln not found");
        }
    }

    public static string HostDll
    {
        get
        {
            // Scheduler.Tests/bin/<Configuration>/net10.0/ -> Scheduler.Host/bin/<Configuration>/net10.0/
            var config = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
            return Path.Combine(RepoRoot, "Scheduler.Host", "bin", config, "net10.0", "Scheduler.Host.dll");
        }
    }

    public static string Script(string name) => Path.Combine(AppContext.BaseDirectory, "Interop", "scripts", name);

    public static async Task<DaskCluster> StartAsync(int workers = 2, IDictionary<string, string>? env = null, bool nanny = false)
    {
        var c = new DaskCluster { _nanny = nanny };
        c._environment = new Dictionary<string, string> { ["DASK_DISTRIBUTED__SCHEDULER__VALIDATE"] = "True" };
        if (env != null) foreach (var (k, v) in env) c._environment[k] = v;
        await c.StartSchedulerAsync();
        for (int i = 0; i < workers; i++) c.AddWorker();
        await c.WaitForWorkersAsync(workers, TimeSpan.FromSeconds(60));
        return c;
    }

    private Dictionary<string, string> _environment = [];

    /// <summary>The scheduler's history database (its default file, in the scheduler's working directory).</summary>
    public string HistoryFile => Path.Combine(_dir, "scheduler-history.db");

    private async Task StartSchedulerAsync()
    {
        File.Delete(SchedulerFile);
        Scheduler = new ProcessRunner("dotnet",
            [HostDll, "--host", "127.0.0.1", "--port", "0", "--dashboard-address", "127.0.0.1:0", "--scheduler-file", SchedulerFile],
            _dir, _environment);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!File.Exists(SchedulerFile) || new FileInfo(SchedulerFile).Length == 0)
        {
            if (Scheduler.HasExited || DateTime.UtcNow > deadline)
                throw new InvalidOperationException("the scheduler did not start:\n" + Scheduler.Output);
            await Task.Delay(50);
        }
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(SchedulerFile));
        Address = doc.RootElement.GetProperty("address").GetString()!;
        DashboardPort = doc.RootElement.GetProperty("services").GetProperty("dashboard").GetInt32();
    }

    /// <summary>
    /// Stops the scheduler (SIGTERM, or SIGKILL with <paramref name="kill"/>) and starts a new one in the same
    /// directory, so with the same history database; workers are not brought back.
    /// </summary>
    public async Task RestartSchedulerAsync(bool kill)
    {
        var old = Scheduler;
        if (kill) old.Kill();
        else
        {
            using (var term = System.Diagnostics.Process.Start("kill", ["-TERM", old.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])) term.WaitForExit();
            await old.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }
        PreviousSchedulerOutput += old.Output;
        old.Dispose();
        foreach (var w in _workers) w.Dispose();
        _workers.Clear();
        await StartSchedulerAsync();
    }

    /// <summary>The output of schedulers stopped by <see cref="RestartSchedulerAsync"/>.</summary>
    public string PreviousSchedulerOutput { get; private set; } = "";

    /// <summary>Creates a file in the cluster's directory (the working directory of scripts and the scheduler).</summary>
    public void Touch(string name) => File.WriteAllText(Path.Combine(_dir, name), "");

    public HttpClient Http() => new() { BaseAddress = new Uri($"http://127.0.0.1:{DashboardPort}"), Timeout = TimeSpan.FromSeconds(60) };

    private bool _nanny;

    /// <summary>Starts one more dask-worker; <paramref name="extra"/> adds command-line flags (e.g. --resources).</summary>
    public ProcessRunner AddWorker(params string[] extra)
    {
        var w = new ProcessRunner(Python,
            ["-m", "distributed.cli.dask_worker", "--scheduler-file", SchedulerFile, "--nthreads", "1", _nanny ? "--nanny" : "--no-nanny",
             "--no-dashboard", "--memory-limit", "4GB", "--local-directory", Path.Combine(_dir, "workers"), .. extra], _dir);
        _workers.Add(w);
        return w;
    }

    public async Task<MsgMap> IdentityAsync()
    {
        await using var client = await RawDaskClient.ConnectAsync(Address);
        return (MsgMap)(await client.RequestAsync(new MsgMap().Add("op", "identity").Add("reply", true)))!;
    }

    public async Task WaitForWorkersAsync(int n, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var workers = (MsgMap)(await IdentityAsync())["workers"]!;
            if (workers.Count(w => ((MsgMap)w.Value!)["status"] as string == "running") >= n) return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{n} workers did not register:\n{Scheduler.Output}\n---\n{string.Join("\n---\n", _workers.Select(w => w.Output))}");
            await Task.Delay(100);
        }
    }

    /// <summary>Runs a Python client script against the cluster; returns its output, failing with everything on error.</summary>
    public async Task<string> RunScriptAsync(string script, TimeSpan? timeout = null)
    {
        using var p = StartScript(script);
        int rc = await p.WaitForExitAsync(timeout ?? TimeSpan.FromSeconds(120));
        if (rc != 0)
            throw new Xunit.Sdk.XunitException($"{script} exited {rc}:\n{p.Output}\n--- scheduler log tail ---\n{Tail(Scheduler.Output, 60)}");
        return p.Output;
    }

    public ProcessRunner StartScript(string script) => new(Python, [Script(script), Address], _dir);

    private static string Tail(string text, int lines) =>
        string.Join('\n', text.Split('\n').TakeLast(lines));

    public async ValueTask DisposeAsync()
    {
        foreach (var w in _workers) w.Dispose();
        Scheduler?.Dispose();
        await Task.Delay(10);
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
