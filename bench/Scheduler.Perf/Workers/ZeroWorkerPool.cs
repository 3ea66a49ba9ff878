namespace Scheduler.Perf.Workers;

/// <summary>Many zero workers in one process, registered a few at a time (a burst of 1000 connects overflows listen backlogs).</summary>
public sealed class ZeroWorkerPool : IAsyncDisposable
{
    private readonly List<ZeroWorker> _workers = [];

    public IReadOnlyList<ZeroWorker> Workers => _workers;

    public long Finished => _workers.Sum(w => w.Finished);

    public static async Task<ZeroWorkerPool> StartAsync(string scheduler, int count, int nthreads, CancellationToken ct, string prefix = "zero")
    {
        var pool = new ZeroWorkerPool();
        for (int i = 0; i < count; i++) pool._workers.Add(new ZeroWorker(scheduler, $"{prefix}-{i}", nthreads));
        using var gate = new SemaphoreSlim(32);
        await Task.WhenAll(pool._workers.Select(async w =>
        {
            await gate.WaitAsync(ct).ConfigureAwait(false);
            try { await w.StartAsync(ct).ConfigureAwait(false); }
            finally { gate.Release(); }
        })).ConfigureAwait(false);
        return pool;
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_workers.Select(w => w.DisposeAsync().AsTask())).ConfigureAwait(false);
    }
}
