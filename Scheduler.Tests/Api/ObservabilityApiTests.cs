using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Scheduler.Tests.Interop;
using static Scheduler.Tests.Support.HttpJson;

namespace Scheduler.Tests.Api;

/// <summary>
/// The HTTP surface of the real host (its own process, real Kestrel) while real workers and a real client run a
/// workload: the REST API over live state and history, Dask's JSON routes, /metrics, the OpenAPI document, and
/// problem details for bad queries.
/// </summary>
[Collection("interop")]
public sealed class ObservabilityApiTests
{
    [Fact]
    public async Task Live_state_history_and_dask_routes_over_http()
    {
        await using var cluster = await DaskCluster.StartAsync(workers: 2);
        using var http = cluster.Http();
        using var script = cluster.StartScript("history_workload.py");
        await script.WaitForOutputAsync("READY", TimeSpan.FromSeconds(90));

        // Live state.
        var summary = await GetJson(http, "/api/cluster");
        Assert.Equal(2, summary["workers"]!.GetValue<int>());
        Assert.True(summary["tasksByState"]!["memory"]!.GetValue<int>() >= 51);
        var workers = (JsonArray)(await GetJson(http, "/api/workers"))!;
        Assert.Equal(2, workers.Count);
        Assert.All(workers, w => Assert.True(w!["memoryLimit"]!.GetValue<long>() > 0));
        var page = await GetJson(http, "/api/tasks?prefix=map&state=memory&page=2&pageSize=20");
        Assert.Equal(50, page["total"]!.GetValue<int>());
        Assert.Equal(20, ((JsonArray)page["items"]!).Count);
        var detail = await GetJson(http, "/api/tasks/add-total");
        Assert.Equal("memory", detail["task"]!["state"]!.GetValue<string>());
        Assert.Equal(["inc-a", "inc-b"], ((JsonArray)detail["dependencies"]!).Select(d => d!["key"]!.GetValue<string>()).Order());
        var story = (JsonArray)detail["story"]!;
        Assert.Contains(story, e => e!["start"]!.GetValue<string>() == "processing" && e["finish"]!.GetValue<string>() == "memory");
        Assert.All(story, e => Assert.False(string.IsNullOrEmpty(e!["stimulusId"]!.GetValue<string>())));
        var failed = await GetJson(http, "/api/tasks/fail-7");
        Assert.Contains("history test failure 7", failed["task"]!["error"]!.GetValue<string>());
        var clients = (JsonArray)(await GetJson(http, "/api/clients"))!;
        Assert.Contains(clients, c => c!["connected"]!.GetValue<bool>() && c["wantsKeys"]!.GetValue<int>() >= 52);

        // History: three computations (the graph, the map, the failing task), with their task ends.
        var computations = await WaitForJson(http, "/api/computations", n => n["total"]!.GetValue<int>() >= 3
            && ((JsonArray)n["items"]!).All(c => c!["outcome"]!.GetValue<string>() != "running"));
        var outcomes = ((JsonArray)computations["items"]!).Select(c => c!["outcome"]!.GetValue<string>()).ToList();
        Assert.Equal(["error", "ok", "ok"], outcomes);
        var erred = await GetJson(http, "/api/history/tasks?state=erred");
        Assert.Contains("history test failure 7", erred["items"]![0]!["error"]!.GetValue<string>());
        var mapId = ((JsonArray)computations["items"]!)[1]!["id"]!.GetValue<long>();
        var mapDetail = await GetJson(http, $"/api/computations/{mapId}");
        Assert.Equal(50, mapDetail["computation"]!["taskCount"]!.GetValue<int>());
        Assert.Contains((JsonArray)mapDetail["prefixes"]!, p => p!["prefix"]!.GetValue<string>() == "map" && p["count"]!.GetValue<int>() == 50);
        var mapTasks = await GetJson(http, $"/api/history/tasks?computation={mapId}&pageSize=5");
        Assert.Equal(50, mapTasks["total"]!.GetValue<int>());
        Assert.All((JsonArray)mapTasks["items"]!, t => Assert.StartsWith("tcp://127.0.0.1:", t!["worker"]!.GetValue<string>()));

        // Dask's routes.
        var counts = await GetJson(http, "/json/counts.json");
        Assert.Equal(2, counts["workers"]!.GetValue<int>());
        Assert.Equal(2, counts["cores"]!.GetValue<int>());
        Assert.True(counts["memory"]!.GetValue<int>() >= 51);
        var identity = await GetJson(http, "/json/identity.json");
        Assert.Equal("Scheduler", identity["type"]!.GetValue<string>());
        Assert.Equal(cluster.Address, identity["address"]!.GetValue<string>());
        var gw = await GetJson(http, "/api/v1/get_workers");
        Assert.Equal(2, gw["num_workers"]!.GetValue<int>());
        Assert.True((await GetJson(http, "/api/v1/adaptive_target"))["workers"]!.GetValue<long>() >= 0);
        Assert.Equal("API V1", await http.GetStringAsync("/api/v1"));
        var metrics = await http.GetStringAsync("/metrics");
        foreach (var name in new[] { "dask_scheduler_clients", "dask_scheduler_workers{", "dask_scheduler_tasks{", "dask_scheduler_prefix_state_totals_total{", "dask_scheduler_tick_count_total" })
            Assert.Contains(name, metrics);
        Assert.Matches("dask_scheduler_workers\\{[^}]*state=\"connected\"[^}]*\\} 2", metrics);

        // Retire one worker through Dask's POST route: its data moves to the other, nothing is lost.
        using (var post = await http.PostAsync("/api/v1/retire_workers", new StringContent("{\"n\": 1}")))
        {
            var body = await post.Content.ReadAsStringAsync();
            Assert.True(post.IsSuccessStatusCode, body);
            Assert.Single(JsonNode.Parse(body)!.AsObject());
        }
        summary = await WaitForJson(http, "/api/cluster", n => n["workers"]!.GetValue<int>() == 1);
        Assert.True(summary["tasksByState"]!["memory"]!.GetValue<int>() >= 51);
        cluster.Touch("release");
        Assert.Equal(0, await script.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task Bad_queries_get_problem_details_and_the_openapi_document_lists_the_api()
    {
        await using var cluster = await DaskCluster.StartAsync(workers: 0);
        using var http = cluster.Http();
        foreach (var (url, status, text) in new[]
                 {
                     ("/api/tasks?state=bogus", HttpStatusCode.BadRequest, "Unknown task state 'bogus'"),
                     ("/api/tasks?page=0", HttpStatusCode.BadRequest, "'page' counts from 1"),
                     ("/api/tasks?pageSize=5000", HttpStatusCode.BadRequest, "'pageSize' must be between 1 and 1000"),
                     ("/api/tasks/no-such-key", HttpStatusCode.NotFound, "no task 'no-such-key'"),
                     ("/api/workers/tcp://1.2.3.4:5", HttpStatusCode.NotFound, "No worker"),
                     ("/api/computations?outcome=maybe", HttpStatusCode.BadRequest, "Unknown outcome 'maybe'"),
                     ("/api/computations?since=2030-01-01&until=2020-01-01", HttpStatusCode.BadRequest, "'since' is after 'until'"),
                     ("/api/computations/999999", HttpStatusCode.NotFound, "No computation 999999"),
                     ("/api/history/tasks?state=weird", HttpStatusCode.BadRequest, "Unknown task end state 'weird'"),
                 })
        {
            using var response = await http.GetAsync(url);
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Equal((int)status, problem["status"]!.GetValue<int>());
            Assert.Contains(text, problem["detail"]!.GetValue<string>());
        }
        using (var response = await http.GetAsync("/api/computations?since=notadate"))
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using (var post = await http.PostAsync("/api/v1/retire_workers", new StringContent("{not json")))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, post.StatusCode);
            Assert.Contains("Internal Server Error", await post.Content.ReadAsStringAsync());
        }
        var openapi = await GetJson(http, "/openapi/v1.json");
        var paths = openapi["paths"]!.AsObject().Select(p => p.Key).ToList();
        foreach (var p in new[] { "/api/cluster", "/api/workers", "/api/tasks", "/api/computations", "/api/history/tasks", "/json/counts.json", "/api/v1/get_workers" })
            Assert.Contains(p, paths);
        // The scheduler is still fine.
        Assert.Equal("ok", await http.GetStringAsync("/health"));
        _ = JsonSerializer.Serialize(paths);
    }
}
