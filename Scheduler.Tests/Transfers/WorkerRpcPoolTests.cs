using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Scheduler.Core.Config;
using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.State;
using System.IO.Pipelines;
using Scheduler.Host.Comm;
using Scheduler.Host.Hosting;
using Scheduler.Host.Transfers;
using Xunit;

namespace Scheduler.Tests.Transfers;

/// <summary>
/// A worker's removal ends the connect attempts to it (Dask's ConnectionPool.remove). Without that, a gather planned just before a
/// worker died retried its connect to the dead address for the whole connect timeout (test_gather_after_failed_worker
/// took 30 s). The connect timeout here is ten minutes, so only the removal can end these calls within the test.
/// </summary>
public sealed class WorkerRpcPoolTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static WorkerRpcPool NewPool() => new(
        new SchedulerRuntime(new SchedulerConfig { ConnectTimeout = 600 }, new SchedulerIdentity("Scheduler-test", 1)),
        NullLogger<WorkerRpcPool>.Instance);

    /// <summary>An address on which connections are refused: a port that was just free.</summary>
    private static string DeadAddress()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return $"tcp://127.0.0.1:{port}";
    }

    [Fact]
    public async Task Removing_a_worker_ends_a_connect_that_is_retrying()
    {
        var pool = NewPool();
        var address = DeadAddress();
        var call = pool.CallAsync(address, new GetData(["x"]), null, pool.LifetimeOf(address));
        await Task.Delay(200); // the connect is refused and retried by now
        Assert.False(call.IsCompleted);
        pool.Remove(address);
        var e = await Assert.ThrowsAsync<IOException>(() => call.WaitAsync(Bound));
        Assert.Contains("Address removed", e.Message);
    }

    [Fact]
    public async Task A_lifetime_taken_before_the_removal_ends_a_call_started_after_it()
    {
        var pool = NewPool();
        var address = DeadAddress();
        var lifetime = pool.LifetimeOf(address);
        pool.Remove(address);
        var e = await Assert.ThrowsAsync<IOException>(() => pool.CallOnceAsync(address, new GetData(["x"]), lifetime).WaitAsync(Bound));
        Assert.Contains("Address removed", e.Message);
    }

    [Fact]
    public void A_worker_registering_again_at_the_address_gets_a_new_lifetime()
    {
        var pool = NewPool();
        var address = DeadAddress();
        var first = pool.LifetimeOf(address);
        pool.Remove(address);
        Assert.True(first.IsCancellationRequested);
        Assert.False(pool.LifetimeOf(address).IsCancellationRequested);
    }

    /// <summary>
    /// A call already connected is left to end when its peer closes: ended by the removal, its error reached the caller
    /// after the removal's own reports (an Actor's caller then saw "Unable to contact Actor's worker").
    /// </summary>
    [Fact]
    public async Task A_connected_call_is_left_to_end_when_its_peer_closes()
    {
        var pool = NewPool();
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var address = $"tcp://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        var requestRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var closePeer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var worker = Task.Run(async () =>
        {
            using var tcp = await listener.AcceptTcpClientAsync();
            var stream = tcp.GetStream();
            var comm = new DaskComm(PipeReader.Create(stream), PipeWriter.Create(stream), "scheduler");
            await comm.AcceptHandshakeAsync(null, CancellationToken.None);
            await comm.ReadAsync(CancellationToken.None);
            requestRead.SetResult();
            await closePeer.Task; // never answers
        });
        var call = pool.CallAsync(address, new GetData(["x"]), null, pool.LifetimeOf(address));
        await requestRead.Task.WaitAsync(Bound);

        pool.Remove(address);
        await Task.Delay(300);
        Assert.False(call.IsCompleted);

        closePeer.SetResult();
        await worker.WaitAsync(Bound);
        // The peer's close ends it (EndOfStreamException is an IOException; a timeout here would not be).
        await Assert.ThrowsAnyAsync<IOException>(() => call.WaitAsync(Bound));
        listener.Stop();
    }
}
