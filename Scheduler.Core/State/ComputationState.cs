namespace Scheduler.Core.State;

/// <summary>
/// One graph submission and the tasks it created, counted down as they end. Dask keeps a deque of
/// Computation objects for its dashboard; here it also feeds the history (started, ended, outcome).
/// </summary>
public sealed class ComputationState(long id, string client, double start)
{
    public long Id { get; } = id;
    public string Client { get; } = client;
    public double Start { get; } = start;
    public int Total { get; set; }
    public int Memory { get; set; }
    public int Erred { get; set; }
    public int Cancelled { get; set; }
    public int Remaining => Total - Memory - Erred - Cancelled;
    public double? End { get; set; }

    /// <summary>"ok" when every task reached memory, else "error" or "cancelled" (errors first).</summary>
    public string Outcome => Erred > 0 ? "error" : Cancelled > 0 ? "cancelled" : "ok";
}
