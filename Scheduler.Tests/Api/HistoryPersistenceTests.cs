using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Scheduler.Tests.Interop;
using static Scheduler.Tests.Support.HttpJson;

namespace Scheduler.Tests.Api;

/// <summary>The history in a real SQLite file outlives the scheduler: a clean restart, and a SIGKILL mid-run.</summary>
[Collection("interop")]
public sealed class HistoryPersistenceTests
{
    [Fact]
    public async Task History_survives_a_restart_of_the_host()
    {
        await using var cluster = await DaskCluster.StartAsync(workers: 1);
        using (var script = cluster.StartScript("history_workload.py"))
        {
            await script.WaitForOutputAsync("READY", TimeSpan.FromSeconds(90));
            cluster.Touch("release");
            Assert.Equal(0, await script.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }
        using (var http = cluster.Http())
            await WaitForJson(http, "/api/computations", n => n["total"]!.GetValue<int>() == 3, TimeSpan.FromSeconds(30));

        await cluster.RestartSchedulerAsync(kill: false);
        using var after = cluster.Http();
        var computations = await GetJson(after, "/api/computations");
        Assert.Equal(["error", "ok", "ok"], ((JsonArray)computations["items"]!).Select(c => c!["outcome"]!.GetValue<string>()));
        var tasks = await GetJson(after, "/api/history/tasks?key=map-&pageSize=1");
        Assert.Equal(50, tasks["total"]!.GetValue<int>());
        var erred = await GetJson(after, "/api/history/tasks?state=erred");
        Assert.Contains("history test failure 7", erred["items"]![0]!["error"]!.GetValue<string>());
        // The new process is another scheduler: its id differs from the one that ran the work.
        var identity = await GetJson(after, "/json/identity.json");
        Assert.NotEqual(identity["id"]!.GetValue<string>(), computations["items"]![0]!["schedulerId"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_sigkill_mid_run_loses_nothing_committed()
    {
        await using var cluster = await DaskCluster.StartAsync(workers: 2);
        using var script = cluster.StartScript("slow_map.py");
        await script.WaitForOutputAsync("SUBMITTED", TimeSpan.FromSeconds(60));
        long committed;
        using (var http = cluster.Http())
        {
            await WaitForJson(http, "/api/history/tasks?pageSize=1", n => n["total"]!.GetValue<int>() >= 40, TimeSpan.FromSeconds(60));
            // What the database holds right now (read from the file itself): all of it must survive the kill.
            committed = CountRows(cluster.HistoryFile);
            Assert.True(committed >= 40, $"{committed} rows committed");
        }
        await cluster.RestartSchedulerAsync(kill: true);
        using var after = cluster.Http();
        var tasks = await GetJson(after, "/api/history/tasks?key=slow-&pageSize=1");
        Assert.True(tasks["total"]!.GetValue<long>() >= committed, $"{tasks["total"]} < {committed}");
        var computation = (await GetJson(after, "/api/computations"))["items"]![0]!;
        Assert.Equal("interrupted", computation["outcome"]!.GetValue<string>());
        Assert.Equal(2000, computation["taskCount"]!.GetValue<int>());
    }

    private static long CountRows(string file)
    {
        using var conn = new SqliteConnection($"Data Source={file};Mode=ReadOnly;Pooling=False");
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM Tasks";
        return (long)cmd.ExecuteScalar()!;
    }
}
