using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Core.State;
using Scheduler.Core.Views;
using TaskStatus = Scheduler.Core.State.TaskStatus;

namespace Scheduler.Host.Api;

/// <summary>The REST API over the live state: /api/cluster, /api/workers, /api/tasks, /api/clients, /api/computations/active.</summary>
public static class SchedulerApi
{
    public const int MaxPageSize = 1000;

    public static IEndpointRouteBuilder MapSchedulerApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Scheduler");
        api.MapGet("/cluster", (StateReader r, CancellationToken ct) => r.ReadAsync(StateViews.Summary, ct))
            .WithSummary("The cluster at a glance: workers, threads, memory, tasks by state, clients.");
        api.MapGet("/workers", (StateReader r, CancellationToken ct) => r.ReadAsync(StateViews.Workers, ct))
            .WithSummary("Every worker with its memory, CPU, tasks processing and data held.");
        api.MapGet("/workers/{**address}", GetWorker).WithSummary("One worker, by address (tcp://host:port).");
        api.MapGet("/tasks", GetTasks)
            .WithSummary("Tasks filtered by state, prefix and group, in key order, one page at a time.");
        api.MapGet("/tasks/{**key}", GetTask)
            .WithSummary("One task with its dependencies, dependents, wanting clients and story (transitions with stimulus ids).");
        api.MapGet("/groups", (StateReader r, CancellationToken ct) => r.ReadAsync(StateViews.Groups, ct))
            .WithSummary("Task groups with their task counts per state.");
        api.MapGet("/clients", (StateReader r, CancellationToken ct) => r.ReadAsync(StateViews.Clients, ct))
            .WithSummary("Clients known to the scheduler.");
        api.MapGet("/computations/active", (StateReader r, CancellationToken ct) => r.ReadAsync(StateViews.Computations, ct))
            .WithSummary("Computations with tasks still to end, with their progress.");
        return app;
    }

    private static async Task<Results<Ok<WorkerView>, ProblemHttpResult>> GetWorker(string address, StateReader r, CancellationToken ct)
    {
        var w = await r.ReadAsync(s => s.Workers.TryGetValue(address, out var ws) ? StateViews.Worker(ws) : null, ct).ConfigureAwait(false);
        return w == null ? NotFound($"No worker {address}.") : TypedResults.Ok(w);
    }

    private static async Task<Results<Ok<Page<TaskView>>, ProblemHttpResult>> GetTasks(
        StateReader r, string? state, string? prefix, string? group, int? page, int? pageSize, CancellationToken ct)
    {
        if (Paging(page, pageSize) is { } bad) return bad;
        TaskStatus? status = null;
        if (state != null)
        {
            status = StateViews.AllStates.Cast<TaskStatus?>().FirstOrDefault(s => s!.Value.Wire() == state);
            if (status == null)
                return Problem($"Unknown task state '{state}'. Known states: {string.Join(", ", StateViews.AllStates.Select(s => s.Wire()))}.");
        }
        var result = await r.ReadAsync(s => StateViews.Tasks(s, status, prefix, group, page ?? 1, pageSize ?? 100), ct).ConfigureAwait(false);
        return TypedResults.Ok(result);
    }

    private static async Task<Results<Ok<TaskDetail>, ProblemHttpResult>> GetTask(string key, StateReader r, CancellationToken ct)
    {
        var detail = await r.ReadAsync(s => StateViews.TaskDetail(s, key), ct).ConfigureAwait(false);
        return detail == null ? NotFound($"The scheduler has no task '{key}' (never submitted, or forgotten: see /api/history/tasks).") : TypedResults.Ok(detail);
    }

    /// <summary>A 400 problem for bad paging parameters, else null.</summary>
    internal static ProblemHttpResult? Paging(int? page, int? pageSize)
    {
        if (page is < 1) return Problem("'page' counts from 1.");
        if (pageSize is < 1 or > MaxPageSize) return Problem($"'pageSize' must be between 1 and {MaxPageSize}.");
        return null;
    }

    internal static ProblemHttpResult Problem(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Bad query");

    internal static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");
}
