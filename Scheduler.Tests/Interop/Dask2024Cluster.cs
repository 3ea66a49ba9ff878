using Scheduler.Core.Protocol;
using Scheduler.Tests.Support;

namespace Scheduler.Tests.Interop;

/// <summary>
/// Our real scheduler host process (started as <see cref="DaskCluster"/> does) with real Dask 2024.12.1
/// `dask worker` processes from the Debian 13 chroot (<see cref="Trixie"/>), optionally also Dask 2022.12.1
/// workers from the host's /usr/bin/python3 (mixed clusters), and Python client scripts from
/// Interop/scripts2024 run inside the chroot against it. Everything is killed (by process group) on dispose.
/// </summary>
public sealed class Dask2024Cluster : IAsyncDisposable
{
    private readonly List<TrixieProcess> _workers2024 = [];
    private readonly List<TrixieProcess> _clients = [];
    private bool _nanny;
    private int _nthreads = 2;

    private Dask2024Cluster(DaskCluster host, TrixieDir dir)
    {
        Host = host;
        Dir = dir;
    }

    /// <summary>The scheduler process and the 2022.12.1 host workers (<see cref="DaskCluster"/>).</summary>
    public DaskCluster Host { get; }

    /// <summary>The cluster's directory inside the chroot (scripts2024 copied in; clients' working directory).</summary>
    public TrixieDir Dir { get; }

    public string Address => Host.Address;
    public ProcessRunner Scheduler => Host.Scheduler;
    public IReadOnlyList<TrixieProcess> Workers2024 => _workers2024;
    public IReadOnlyList<ProcessRunner> Workers2022 => Host.Workers;

    /// <summary>
    /// A client script as copied next to the test assembly: Interop/scripts2024/NAME, else Interop/scripts/NAME (the
    /// 2022 workloads, which 2024 clients can run too).
    /// </summary>
    public static string Script(string name)
    {
        var p = Path.Combine(AppContext.BaseDirectory, "Interop", "scripts2024", name);
        return File.Exists(p) ? p : Path.Combine(AppContext.BaseDirectory, "Interop", "scripts", name);
    }

    /// <summary>
    /// Starts the scheduler, <paramref name="workers"/> 2024.12.1 workers (chroot) and <paramref name="workers2022"/>
    /// 2022.12.1 workers (host), and waits until all of them are registered and running.
    /// </summary>
    public static async Task<Dask2024Cluster> StartAsync(int workers = 1, bool nanny = false, int nthreads = 2,
        int workers2022 = 0, IDictionary<string, string>? env = null)
    {
        Trixie.Require();
        var dir = Trixie.CreateDir("dask2024");
        DaskCluster host;
        try
        {
            host = await DaskCluster.StartAsync(workers: 0, env: env, nanny: nanny);
        }
        catch
        {
            dir.Dispose();
            throw;
        }
        var c = new Dask2024Cluster(host, dir) { _nanny = nanny, _nthreads = nthreads };
        try
        {
            // Interop/scripts (the 2022 workloads), then Interop/scripts2024 over them
            dir.CopyTreeIn(Path.Combine(AppContext.BaseDirectory, "Interop", "scripts"));
            dir.CopyTreeIn(Path.Combine(AppContext.BaseDirectory, "Interop", "scripts2024"));
            for (int i = 0; i < workers; i++) c.AddWorker2024();
            for (int i = 0; i < workers2022; i++) c.AddWorker2022();
            await c.WaitForWorkersAsync(workers + workers2022, TimeSpan.FromSeconds(90));
        }
        catch
        {
            await c.DisposeAsync();
            throw;
        }
        return c;
    }

    /// <summary>
    /// Starts one more 2024.12.1 worker in the chroot: `python3 -m distributed.cli.dask_worker ADDRESS --nthreads N
    /// --(no-)nanny --no-dashboard --name w2024-I`; <paramref name="extra"/> adds flags (e.g. "--resources", "A=1").
    /// Does not wait for it to register (see <see cref="WaitForWorkersAsync"/>).
    /// </summary>
    public TrixieProcess AddWorker2024(params string[] extra)
    {
        var name = $"w2024-{_workers2024.Count}";
        var w = Trixie.Start(
            ["/usr/bin/python3", "-m", "distributed.cli.dask_worker", Address,
             "--nthreads", _nthreads.ToString(System.Globalization.CultureInfo.InvariantCulture),
             _nanny ? "--nanny" : "--no-nanny", "--no-dashboard", "--memory-limit", "4GB",
             "--local-directory", $"{Dir.Inside}/workers", "--name", name, .. extra],
            workDir: Dir.Inside);
        _workers2024.Add(w);
        return w;
    }

    /// <summary>Starts one more 2022.12.1 worker from the host's /usr/bin/python3 (one thread, as DaskCluster's).</summary>
    public ProcessRunner AddWorker2022(params string[] extra) => Host.AddWorker(extra);

    /// <summary>The scheduler's identity reply (its "workers" map: address → {"status", "name", ...}).</summary>
    public Task<MsgMap> IdentityAsync() => Host.IdentityAsync();

    /// <summary>Waits until at least <paramref name="n"/> workers are registered with status "running".</summary>
    public async Task WaitForWorkersAsync(int n, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (true)
        {
            var workers = (MsgMap)(await IdentityAsync())["workers"]!;
            if (workers.Count(w => ((MsgMap)w.Value!)["status"] as string == "running") >= n) return;
            var dead = _workers2024.FirstOrDefault(w => w.HasExited);
            if (dead != null || DateTime.UtcNow > deadline)
                throw new TimeoutException(
                    $"{n} workers did not register ({workers.Count} did){(dead != null ? $"; 2024 worker {dead} exited" : "")}\n{Logs()}");
            await Task.Delay(200);
        }
    }

    /// <summary>Runs <paramref name="script"/> (see <see cref="Script"/>) in the chroot with (address, args...), 120 s time-out.</summary>
    public Task<TrixieResult> RunClientAsync(string script, params string[] args) =>
        RunClientAsync(script, TimeSpan.FromSeconds(120), args);

    /// <summary>
    /// Runs a client script (Interop/scripts2024, else Interop/scripts) with the 2024.12.1 python inside the chroot:
    /// `python3 /tmp/dask2024-…/SCRIPT SCHEDULER_ADDRESS ARGS…`, working directory the cluster's chroot directory.
    /// Returns exit code, stdout and stderr; on time-out the script's process group is killed and TimedOut is set.
    /// </summary>
    public async Task<TrixieResult> RunClientAsync(string script, TimeSpan timeout, params string[] args)
    {
        var inside = File.Exists(Path.Combine(Dir.HostPath, script)) ? $"{Dir.Inside}/{script}" : Dir.CopyIn(Script(script));
        using var p = StartClient(inside, args);
        var r = await p.WaitAsync(timeout);
        lock (_clients) _clients.Remove(p);
        return r;
    }

    /// <summary>
    /// Runs one of the 2022.12.1 interop scripts (Interop/scripts: the same client code, written against the public
    /// API) with the 2024.12.1 client; fails the test with all logs unless it exits 0; returns stdout.
    /// </summary>
    public async Task<string> RunSharedScriptCheckedAsync(string script, TimeSpan? timeout = null)
    {
        var inside = Dir.CopyIn(DaskCluster.Script(script), "shared-" + script);
        using var p = StartClient(inside);
        var r = await p.WaitAsync(timeout ?? TimeSpan.FromSeconds(180));
        lock (_clients) _clients.Remove(p);
        if (!r.Succeeded)
            throw new Xunit.Sdk.XunitException($"{script} (2024.12.1 client) failed: {r}\n{Logs()}");
        return r.Stdout;
    }

    /// <summary>As <see cref="RunClientAsync(string, string[])"/>, failing the test (with all logs) unless it exits 0; returns stdout.</summary>
    public async Task<string> RunClientCheckedAsync(string script, params string[] args)
    {
        var r = await RunClientAsync(script, args);
        if (!r.Succeeded)
            throw new Xunit.Sdk.XunitException($"{script} failed: {r}\n{Logs()}");
        return r.Stdout;
    }

    /// <summary>Starts a client script (a path inside the chroot) without waiting; disposed with the cluster.</summary>
    public TrixieProcess StartClient(string insideScript, params string[] args)
    {
        var p = Trixie.Start(["/usr/bin/python3", insideScript, Address, .. args], workDir: Dir.Inside);
        lock (_clients) _clients.Add(p);
        return p;
    }

    /// <summary>The tails of the scheduler's and the workers' output, for failure messages.</summary>
    public string Logs(int lines = 60)
    {
        var parts = new List<string> { "--- scheduler ---\n" + Tail(Scheduler.Output, lines) };
        for (int i = 0; i < _workers2024.Count; i++) parts.Add($"--- 2024 worker {i} ({_workers2024[i]}) ---\n" + Tail(_workers2024[i].Output, lines));
        for (int i = 0; i < Host.Workers.Count; i++) parts.Add($"--- 2022 worker {i} ---\n" + Tail(Host.Workers[i].Output, lines));
        return string.Join('\n', parts);
    }

    private static string Tail(string text, int lines) => string.Join('\n', text.Split('\n').TakeLast(lines));

    public async ValueTask DisposeAsync()
    {
        lock (_clients)
        {
            foreach (var p in _clients) p.Dispose();
            _clients.Clear();
        }
        foreach (var w in _workers2024) w.Dispose();
        _workers2024.Clear();
        await Host.DisposeAsync();
        Dir.Dispose();
    }
}

/// <summary>Tests with 2024.12.1 processes run one at a time and alone (2 cores, several Python processes each).</summary>
[CollectionDefinition("dask2024", DisableParallelization = true)]
public sealed class Dask2024Collection;
