using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Scheduler.Core.Views;
using Scheduler.Host.Persistence;

namespace Scheduler.Host.Api;

/// <summary>The REST API over the history in SQLite: computations past and present, and task ends.</summary>
public static class HistoryApi
{
    /// <summary>A computation as the history holds it.</summary>
    public sealed record ComputationSummary(
        long Id, string SchedulerId, long Number, string Client, DateTime SubmittedAt, DateTime? EndedAt, double? DurationSeconds,
        int TaskCount, int KeyCount, string Outcome, int Memory, int Erred, int Cancelled);

    /// <summary>A computation with its requested keys and its tasks counted by prefix and state.</summary>
    public sealed record ComputationDetail(ComputationSummary Computation, IReadOnlyList<string> Keys, IReadOnlyList<PrefixCount> Prefixes);

    public sealed record PrefixCount(string Prefix, string State, int Count);

    /// <summary>A task's end as the history holds it.</summary>
    public sealed record TaskEnd(
        long Id, long ComputationId, string Key, string Prefix, string State, string? Worker, long Nbytes,
        DateTime? StartedAt, DateTime? StoppedAt, DateTime EndedAt, string? Error);

    private static readonly string[] Outcomes = ["running", "ok", "error", "cancelled", "interrupted"];
    private static readonly string[] TaskStates = ["memory", "erred", "cancelled"];

    public static IEndpointRouteBuilder MapHistoryApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("History");
        // Without a history database these routes say so rather than fail.
        api.AddEndpointFilter(async (ctx, next) =>
        {
            var writer = ctx.HttpContext.RequestServices.GetService<HistoryWriter>();
            if (writer != null) await writer.Ready.ConfigureAwait(false); // migrated in the background at startup
            if (writer == null || writer.Failed)
                return TypedResults.Problem("The task history is off on this scheduler (History:Enabled, or its database could not be opened).",
                    statusCode: StatusCodes.Status503ServiceUnavailable, title: "No history");
            return await next(ctx).ConfigureAwait(false);
        });
        api.MapGet("/computations", ListComputations)
            .WithSummary("Computations from the history, newest first; filter by client, outcome and submission time.");
        api.MapGet("/computations/{id:long}", GetComputation).WithSummary("One computation from the history.");
        api.MapGet("/history/tasks", ListTasks)
            .WithSummary("Task ends from the history, newest first; filter by computation, key (substring), prefix and state.");
        return app;
    }

    private static async Task<Results<Ok<Page<ComputationSummary>>, ProblemHttpResult>> ListComputations(
        IDbContextFactory<HistoryDb> factory, string? client, string? outcome, DateTime? since, DateTime? until,
        int? page, int? pageSize, CancellationToken ct)
    {
        if (SchedulerApi.Paging(page, pageSize) is { } bad) return bad;
        if (outcome != null && !Outcomes.Contains(outcome))
            return SchedulerApi.Problem($"Unknown outcome '{outcome}'. Known outcomes: {string.Join(", ", Outcomes)}.");
        if (since != null && until != null && since > until) return SchedulerApi.Problem("'since' is after 'until'.");
        await using var db = await factory.CreateDbContextAsync(ct).ConfigureAwait(false);
        var q = HistoryQueries.Computations(db.Computations.AsNoTracking(), client: client, outcome: outcome, since: since, until: until);
        int total = await q.CountAsync(ct).ConfigureAwait(false);
        int n = pageSize ?? 50, p = page ?? 1;
        var rows = await q.OrderByDescending(c => c.Id).Skip((p - 1) * n).Take(n).ToListAsync(ct).ConfigureAwait(false);
        return TypedResults.Ok(new Page<ComputationSummary>(rows.Select(Summary).ToList(), p, n, total));
    }

    private static async Task<Results<Ok<ComputationDetail>, ProblemHttpResult>> GetComputation(
        long id, IDbContextFactory<HistoryDb> factory, CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct).ConfigureAwait(false);
        var c = await db.Computations.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, ct).ConfigureAwait(false);
        if (c == null) return SchedulerApi.NotFound($"No computation {id} in the history.");
        var prefixes = await db.Tasks.AsNoTracking().Where(t => t.ComputationId == id)
            .GroupBy(t => new { t.Prefix, t.State })
            .Select(g => new PrefixCount(g.Key.Prefix, g.Key.State, g.Count()))
            .ToListAsync(ct).ConfigureAwait(false);
        var keys = c.Keys.Length == 0 ? [] : c.Keys.Split('\n');
        return TypedResults.Ok(new ComputationDetail(Summary(c), keys, prefixes.OrderBy(x => x.Prefix).ThenBy(x => x.State).ToList()));
    }

    private static async Task<Results<Ok<Page<TaskEnd>>, ProblemHttpResult>> ListTasks(
        IDbContextFactory<HistoryDb> factory, long? computation, string? key, string? prefix, string? state,
        int? page, int? pageSize, CancellationToken ct)
    {
        if (SchedulerApi.Paging(page, pageSize) is { } bad) return bad;
        if (state != null && !TaskStates.Contains(state))
            return SchedulerApi.Problem($"Unknown task end state '{state}'. The history records: {string.Join(", ", TaskStates)}.");
        await using var db = await factory.CreateDbContextAsync(ct).ConfigureAwait(false);
        var q = HistoryQueries.Tasks(db.Tasks.AsNoTracking(), computation, key, prefix, state);
        int total = await q.CountAsync(ct).ConfigureAwait(false);
        int n = pageSize ?? 100, p = page ?? 1;
        var rows = await q.OrderByDescending(t => t.Id).Skip((p - 1) * n).Take(n)
            .Select(t => new TaskEnd(t.Id, t.ComputationId, t.Key, t.Prefix, t.State, t.Worker, t.Nbytes, t.StartedAt, t.StoppedAt, t.EndedAt, t.Error))
            .ToListAsync(ct).ConfigureAwait(false);
        return TypedResults.Ok(new Page<TaskEnd>(rows, p, n, total));
    }

    internal static ComputationSummary Summary(ComputationRecord c) => new(
        c.Id, c.SchedulerId, c.Number, c.Client, DateTime.SpecifyKind(c.SubmittedAt, DateTimeKind.Utc),
        c.EndedAt is { } e ? DateTime.SpecifyKind(e, DateTimeKind.Utc) : null,
        c.EndedAt is { } end ? (end - c.SubmittedAt).TotalSeconds : null,
        c.TaskCount, c.KeyCount, c.Outcome, c.Memory, c.Erred, c.Cancelled);
}
