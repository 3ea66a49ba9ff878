using System.Text.Json;
using Scheduler.Tests.Support;

namespace Scheduler.Tests.Interop.Dask2024;

/// <summary>Dask 2024.12.1 (Debian 13 chroot) workers and clients against our real scheduler process.</summary>
[Collection("dask2024")]
public sealed class Dask2024SmokeTests
{
    [TrixieFact]
    public async Task Chroot_runs_distributed_2024_12_1()
    {
        var r = await Trixie.RunAsync(["/usr/bin/python3", "-c", "import distributed; print(distributed.__version__)"],
            TimeSpan.FromSeconds(60));
        Assert.True(r.Succeeded, r.ToString());
        Assert.Equal(Trixie.DaskVersion, r.Stdout.Trim());
    }

    [TrixieFact]
    public async Task A_timed_out_command_is_killed_with_its_children()
    {
        // the child ignores SIGTERM and lives in the command's process group: the group's SIGKILL must reach it
        var r = await Trixie.RunAsync(["/usr/bin/python3", "-c",
            "import subprocess, time\np = subprocess.Popen(['/bin/sh', '-c', 'trap \"\" TERM; sleep 300'])\nprint(p.pid, flush=True)\ntime.sleep(300)"],
            TimeSpan.FromSeconds(5));
        Assert.True(r.TimedOut, r.ToString());
        var child = int.Parse(r.Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (IsAlive(child) && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.False(IsAlive(child), $"child {child} survived");
    }

    private static bool IsAlive(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat)) return false;
        try { return File.ReadAllText(stat).Split(')')[^1].Trim()[0] != 'Z'; }
        catch (IOException) { return false; }
    }

    [TrixieFact]
    public async Task Worker_2024_registers_and_client_2024_lists_it()
    {
        await using var cluster = await Dask2024Cluster.StartAsync(workers: 1);
        var stdout = await cluster.RunClientCheckedAsync("scheduler_info.py", "1");
        using var doc = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
        var info = doc.RootElement;
        Assert.Equal("2024.12.1", info.GetProperty("client").GetString());
        var workers = info.GetProperty("workers").EnumerateObject().ToList();
        var w = Assert.Single(workers);
        Assert.StartsWith("tcp://127.0.0.1:", w.Name, StringComparison.Ordinal);
        Assert.Equal("w2024-0", w.Value.GetProperty("name").GetString());
        Assert.Equal(2, w.Value.GetProperty("nthreads").GetInt32());
        Assert.False(cluster.Scheduler.HasExited);
    }

    [TrixieFact(WithHost2022 = true)]
    public async Task Workers_2022_and_2024_register_on_one_scheduler()
    {
        await using var cluster = await Dask2024Cluster.StartAsync(workers: 1, workers2022: 1);
        var stdout = await cluster.RunClientCheckedAsync("scheduler_info.py", "2");
        using var doc = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
        var workers = doc.RootElement.GetProperty("workers").EnumerateObject().ToList();
        Assert.Equal(2, workers.Count);
        Assert.Contains(workers, w => w.Value.GetProperty("name").GetString() == "w2024-0");
        Assert.Contains(workers, w => w.Value.GetProperty("nthreads").GetInt32() == 1);
    }
}
