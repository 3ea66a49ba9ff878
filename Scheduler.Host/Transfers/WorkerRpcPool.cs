using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Host.Comm;
using Scheduler.Host.Hosting;

namespace Scheduler.Host.Transfers;

/// <summary>
/// Connections the scheduler opens to workers (get_data, update_data), reused between requests like
/// Dask's ConnectionPool. A comm that fails is dropped, never reused. When a worker leaves, <see cref="Remove"/> ends
/// the calls to it that are still connecting, as Dask's ConnectionPool.remove cancels its connect attempts: a gather
/// planned just before the worker died would otherwise retry its connect for the whole connect timeout. A call already
/// connected is left to end when its peer closes (a dead process's sockets close at once): ended by the removal, its
/// error would reach the caller one scheduler turn after the removal's own reports, and an Actor's caller that sees
/// its actor's future erred first reports "Unable to contact Actor's worker" instead of the actor's loss
/// (test_actor.py::test_failed_worker).
/// </summary>
public sealed class WorkerRpcPool(SchedulerRuntime runtime, ILogger<WorkerRpcPool> log) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrentBag<PooledComm>> _idle = new();
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _lifetimes = new();

    /// <summary>
    /// A token cancelled when <paramref name="address"/> is removed. Taken when a transfer is commanded (on the actor's
    /// thread, in command order), so a removal commanded after it ends it even if its task has not started yet.
    /// </summary>
    public CancellationToken LifetimeOf(string address) => _lifetimes.GetOrAdd(address, _ => new CancellationTokenSource()).Token;

    /// <summary>Ends the connect attempts to a worker that left and drops its idle comms; a later registration at the
    /// same address starts a new lifetime.</summary>
    public void Remove(string address)
    {
        if (_lifetimes.TryRemove(address, out var lifetime))
        {
            log.LogDebug("removing comms to {Address}", address);
            // Not disposed: transfers still hold its token, and a cancelled source without a timer holds nothing.
            lifetime.Cancel();
        }
        if (_idle.TryRemove(address, out var bag))
            while (bag.TryTake(out var c)) Dispose(c);
    }

    /// <summary>The comms waiting for their next call, over all workers.</summary>
    public int IdleCount => _idle.Values.Sum(bag => bag.Count);

    public sealed class PooledComm(TcpClient tcp, DaskComm comm, string address)
    {
        public TcpClient Tcp { get; } = tcp;
        public DaskComm Comm { get; } = comm;
        public string Address { get; } = address;
    }

    /// <summary>
    /// Sends one request, written in the worker's dialect (known from its handshake once connected), and returns the
    /// reply; <paramref name="afterReply"/> may write more (the get_data "OK"). <paramref name="lifetime"/> (from
    /// <see cref="LifetimeOf"/>) ends it while it connects; <paramref name="ct"/> bounds the whole call.
    /// </summary>
    public async Task<object?> CallAsync(string address, WorkerRpc request, Func<DaskComm, object?, Task>? afterReply,
        CancellationToken lifetime, CancellationToken ct = default)
    {
        var pooled = await GetAsync(address, lifetime, ct).ConfigureAwait(false);
        try
        {
            await pooled.Comm.WriteAsync(pooled.Comm.Dialect.Writer.Write(request), ct).ConfigureAwait(false);
            var reply = await pooled.Comm.ReadAsync(ct).ConfigureAwait(false);
            if (afterReply != null) await afterReply(pooled.Comm, reply).ConfigureAwait(false);
            _idle.GetOrAdd(address, _ => []).Add(pooled);
            return reply;
        }
        catch
        {
            Dispose(pooled);
            throw;
        }
    }

    /// <summary>Dask's CommClosedError for a connect cut short by the worker's removal.</summary>
    private static IOException Removed(string address) => new($"comms to {address} closed: Address removed.");

    /// <summary>One request on a new comm that the peer closes after replying (written with close: true), in the peer's
    /// dialect; the tokens as for <see cref="CallAsync"/>.</summary>
    public async Task<object?> CallOnceAsync(string address, WorkerRpc request, CancellationToken lifetime, CancellationToken ct = default)
    {
        var fresh = await ConnectAsync(address, lifetime, ct).ConfigureAwait(false);
        try
        {
            await fresh.Comm.WriteAsync(fresh.Comm.Dialect.Writer.WriteClosing(request), ct).ConfigureAwait(false);
            return await fresh.Comm.ReadAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            Dispose(fresh);
        }
    }

    private async Task<PooledComm> GetAsync(string address, CancellationToken lifetime, CancellationToken ct)
    {
        if (_idle.TryGetValue(address, out var bag))
            while (bag.TryTake(out var c))
                if (c.Tcp.Connected) return c;
                else Dispose(c);
        return await ConnectAsync(address, lifetime, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Dask's comm.connect: attempts are retried with a randomised exponential backoff (a refused connection
    /// included: the peer may still be starting) until distributed.comm.timeouts.connect has passed, then fail
    /// with Dask's own message, which users and tests match on.
    /// </summary>
    private async Task<PooledComm> ConnectAsync(string address, CancellationToken lifetime, CancellationToken call)
    {
        using var connecting = CancellationTokenSource.CreateLinkedTokenSource(lifetime, call);
        var ct = connecting.Token;
        try
        {
            return await ConnectAttemptsAsync(address, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (lifetime.IsCancellationRequested && !call.IsCancellationRequested)
        {
            throw Removed(address);
        }
    }

    private async Task<PooledComm> ConnectAttemptsAsync(string address, CancellationToken ct)
    {
        var (host, port) = ParseAddress(address);
        var timeout = TimeSpan.FromSeconds(runtime.Config.ConnectTimeout);
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        for (int attempt = 0; ; attempt++)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) break;
            var tcp = new TcpClient { NoDelay = true };
            try
            {
                using (var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
                {
                    attemptTimeout.CancelAfter(left);
                    await tcp.ConnectAsync(host, port, attemptTimeout.Token).ConfigureAwait(false);
                }
                var stream = tcp.GetStream();
                var comm = new DaskComm(PipeReader.Create(stream), PipeWriter.Create(stream), address, runtime.FrameLimits);
                await comm.ConnectHandshakeAsync(runtime.Config.Compression, ct).ConfigureAwait(false);
                log.LogDebug("connected to worker {Address}", address);
                return new PooledComm(tcp, comm, address);
            }
            catch (Exception e) when (e is SocketException or IOException || (e is OperationCanceledException && !ct.IsCancellationRequested))
            {
                tcp.Dispose();
                last = e;
                var cap = Math.Min((deadline - DateTime.UtcNow).TotalSeconds, 0.01 * Math.Pow(2, Math.Min(attempt, 20)));
                if (cap > 0) await Task.Delay(TimeSpan.FromSeconds(Random.Shared.NextDouble() * cap), ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                tcp.Dispose();
                throw;
            }
        }
        throw new IOException($"Timed out trying to connect to {address} after {timeout.TotalSeconds:0.###} s", last);
    }

    public static (string Host, int Port) ParseAddress(string address)
    {
        var a = address;
        int scheme = a.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0) a = a[(scheme + 3)..];
        int colon = a.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(a.AsSpan(colon + 1), out int port))
            throw new FormatException($"not a tcp address: {address}");
        return (a[..colon].Trim('[', ']'), port);
    }

    private static void Dispose(PooledComm c)
    {
        try { c.Tcp.Dispose(); } catch (ObjectDisposedException) { }
    }

    public ValueTask DisposeAsync()
    {
        foreach (var bag in _idle.Values)
            while (bag.TryTake(out var c)) Dispose(c);
        return ValueTask.CompletedTask;
    }
}
