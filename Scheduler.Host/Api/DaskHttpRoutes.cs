using System.Text.Json;
using System.Text.Json.Nodes;
using Scheduler.Core.Protocol;
using Scheduler.Core.State;

namespace Scheduler.Host.Api;

/// <summary>
/// The HTTP routes of Dask's scheduler that tools call (distributed/http/scheduler/{json,api}.py of 2022.12.1):
/// /json/identity.json, /json/counts.json, /json/index.html, /api/v1, /api/v1/get_workers,
/// /api/v1/retire_workers (POST), /api/v1/adaptive_target. Same paths, same JSON.
/// </summary>
public static class DaskHttpRoutes
{
    public static IEndpointRouteBuilder MapDaskHttpRoutes(this IEndpointRouteBuilder app)
    {
        app.MapGet("/json/identity.json", async (StateReader r, CancellationToken ct) =>
            // The reply comes back written by the reader's writer, as a peer's would: a map, not the record.
            Json(MsgJson.ToNode(await r.ReadAsync<object?>(s => s.IdentityReply(), ct).ConfigureAwait(false)))).WithTags("Dask");
        app.MapGet("/json/counts.json", async (StateReader r, CancellationToken ct) =>
            Json(await r.ReadAsync(Counts, ct).ConfigureAwait(false))).WithTags("Dask");
        app.MapGet("/json/index.html", () => Results.Content(
            "<html><head><title>Index of JSON routes</title></head><body><ul>" +
            "<li><a href=\"counts.json\">counts.json</a></li><li><a href=\"identity.json\">identity.json</a></li></ul></body></html>",
            "text/html")).WithTags("Dask");
        app.MapGet("/api/v1", () => Results.Text("API V1", "text/plain")).WithTags("Dask");
        app.MapGet("/api/v1/get_workers", async (StateReader r, CancellationToken ct) => Json(await r.ReadAsync(s =>
        {
            var workers = new JsonArray();
            foreach (var ws in s.Workers.Values)
                workers.Add(new JsonObject { ["name"] = MsgJson.ToNode(ws.Name), ["address"] = ws.Address });
            return new JsonObject { ["num_workers"] = s.Workers.Count, ["workers"] = workers };
        }, ct).ConfigureAwait(false))).WithTags("Dask");
        app.MapGet("/api/v1/adaptive_target", async (StateReader r, CancellationToken ct) =>
            Json(new JsonObject { ["workers"] = await r.ReadAsync(s => s.AdaptiveTarget(), ct).ConfigureAwait(false) })).WithTags("Dask");
        app.MapPost("/api/v1/retire_workers", RetireWorkers).WithTags("Dask");
        return app;
    }

    /// <summary>Body {"n": count} (workers_to_close chooses) or {"workers": [addresses]}; replies {address: identity}.</summary>
    private static async Task<IResult> RetireWorkers(HttpRequest request, StateReader r, ILoggerFactory logs, CancellationToken ct)
    {
        try
        {
            var body = await JsonNode.ParseAsync(request.Body, cancellationToken: ct).ConfigureAwait(false) as JsonObject ?? [];
            var msg = new MsgMap();
            long n = body["n"]?.GetValue<long>() ?? 0;
            if (n > 0) msg.Add("n", n);
            else msg.Add("workers", (body["workers"] as JsonArray ?? []).Select(w => (object?)w!.GetValue<string>()).ToArray());
            var reply = await r.RpcAsync("retire_workers", msg, TimeSpan.FromMinutes(10), ct).ConfigureAwait(false);
            if (reply is MsgMap { } m && m["status"] is "uncaught-error")
                throw new InvalidOperationException(m["exception_text"] as string);
            return Json(MsgJson.ToNode(reply));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or TimeoutException)
        {
            // As Dask: status 500 with the reason, and this body.
            logs.CreateLogger("Scheduler.Http").LogWarning("/api/v1/retire_workers failed: {Error}", e.Message);
            return Results.Content("{\"Error\": \"Internal Server Error\"}", "application/json", statusCode: 500);
        }
    }

    /// <summary>distributed.http.scheduler.json.CountsJSON.</summary>
    private static JsonObject Counts(SchedulerState s)
    {
        long erred = 0, released = 0, waiting = 0, waitingData = 0, nbytes = 0, nthreads = 0, memory = 0, processing = 0;
        foreach (var ts in s.Tasks.Values)
        {
            if (ts.ExceptionBlame != null) erred++;
            else if (ts.Status == Core.State.TaskStatus.Released) released++;
            if (ts.WaitingOn.Count > 0) waiting++;
            if (ts.Waiters.Count > 0) waitingData++;
        }
        int idle = 0, saturated = 0;
        foreach (var ws in s.Workers.Values)
        {
            nthreads += ws.NThreads;
            memory += ws.HasWhat.Count;
            nbytes += ws.Nbytes;
            processing += ws.Processing.Count;
            if (ws.IsRunning && ws.Processing.Count < ws.NThreads) idle++;
            else if (ws.IsRunning && ws.Processing.Count > ws.NThreads) saturated++;
        }
        return new JsonObject
        {
            ["bytes"] = nbytes, ["clients"] = s.Clients.Count, ["cores"] = nthreads, ["erred"] = erred,
            ["hosts"] = s.Workers.Values.Select(w => w.Host).Distinct().Count(), ["idle"] = idle, ["memory"] = memory,
            ["processing"] = processing, ["released"] = released, ["saturated"] = saturated, ["tasks"] = s.Tasks.Count,
            ["unrunnable"] = s.Unrunnable.Count, ["waiting"] = waiting, ["waiting_data"] = waitingData,
            ["workers"] = s.Workers.Count, ["desired_workers"] = s.AdaptiveTarget(),
        };
    }

    private static IResult Json(JsonNode? node) => Results.Content(node?.ToJsonString() ?? "null", "application/json");
}
