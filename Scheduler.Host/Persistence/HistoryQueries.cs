namespace Scheduler.Host.Persistence;

/// <summary>The history's filters, shared by the REST API and the dashboard's history page.</summary>
public static class HistoryQueries
{
    /// <summary>Computations by exact client, client-or-key substring, outcome and submission time (any may be null).</summary>
    public static IQueryable<ComputationRecord> Computations(IQueryable<ComputationRecord> q,
        string? client = null, string? text = null, string? outcome = null, DateTime? since = null, DateTime? until = null)
    {
        if (client != null) q = q.Where(c => c.Client == client);
        if (!string.IsNullOrWhiteSpace(text)) q = q.Where(c => c.Client.Contains(text) || c.Keys.Contains(text));
        if (outcome != null) q = q.Where(c => c.Outcome == outcome);
        if (since is { } s) { var u = s.ToUniversalTime(); q = q.Where(c => c.SubmittedAt >= u); }
        if (until is { } e) { var u = e.ToUniversalTime(); q = q.Where(c => c.SubmittedAt <= u); }
        return q;
    }

    /// <summary>Task ends by computation, key substring, prefix and end state (any may be null).</summary>
    public static IQueryable<TaskRecord> Tasks(IQueryable<TaskRecord> q,
        long? computation = null, string? key = null, string? prefix = null, string? state = null)
    {
        if (computation is { } id) q = q.Where(t => t.ComputationId == id);
        if (key != null) q = q.Where(t => t.Key.Contains(key));
        if (prefix != null) q = q.Where(t => t.Prefix == prefix);
        if (state != null) q = q.Where(t => t.State == state);
        return q;
    }
}
