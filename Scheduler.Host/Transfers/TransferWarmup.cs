using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Scheduler.Core.Protocol;
using Scheduler.Core.State;
using Scheduler.Host.Comm;
using Scheduler.Host.Hosting;

namespace Scheduler.Host.Transfers;

/// <summary>
/// The transfers' part of the startup warm-up (<see cref="Scheduler.Core.Engine.Warmup"/> does the state's): one
/// gather through <see cref="DataTransfers"/> and the <see cref="WorkerRpcPool"/>, from a stand-in 2024.12 worker on a
/// loopback port of its own, so the first real gather does not pay for compiling the connect, handshake, get_data and
/// reply paths. Measured on a fresh process (tcpdump of bench.py's latency workload): the first gather's get_data left
/// 13 ms after the client's request arrived, and its answer 5.8 ms after the worker's reply, against 0.2–0.3 ms for
/// each later one. Nothing reaches the scheduler's state, and the stand-in's address leaves the pool afterwards.
/// </summary>
public static class TransferWarmup
{
    private const string Key = "warmup-transfer";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    /// <summary>True when the stand-in's value came back.</summary>
    public static async Task<bool> RunAsync(DataTransfers transfers, WorkerRpcPool pool, SchedulerRuntime runtime, CancellationToken ct)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(Bound);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var address = $"tcp://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        var worker = StandInAsync(listener, runtime, bounded.Token);
        try
        {
            // The stand-in's own token ends a connect that never completes; a connected call ends when the stand-in
            // closes its side, which it does when it is done or the bound has passed.
            var fetched = await transfers.GatherAsync(new FetchData(0, new Dictionary<string, List<string>> { [Key] = [address] }),
                new Dictionary<string, CancellationToken> { [address] = bounded.Token }).ConfigureAwait(false);
            await worker.ConfigureAwait(false);
            return fetched.Data.Count == 1 && fetched.MissingKeys.Count == 0;
        }
        finally
        {
            pool.Remove(address);
        }
    }

    /// <summary>One comm answered as a 2024.12 worker answers a gather: its handshake, the data, then the scheduler's "OK".</summary>
    private static async Task StandInAsync(TcpListener listener, SchedulerRuntime runtime, CancellationToken ct)
    {
        using var tcp = await listener.AcceptTcpClientAsync(ct).ConfigureAwait(false);
        var stream = tcp.GetStream();
        var comm = new DaskComm(PipeReader.Create(stream), PipeWriter.Create(stream), "warmup-worker", runtime.FrameLimits);
        // Python 3.13 in the handshake: the scheduler's side of the comm speaks the 2024.12 dialect.
        await comm.WriteAsync(new MsgMap().Add("compression", runtime.Config.Compression).Add("python", new object?[] { 3L, 13L, 5L })
            .Add("pickle-protocol", 5L), ct).ConfigureAwait(false);
        await comm.ReadMessageAsync(ct).ConfigureAwait(false);
        if (await comm.ReadMessageAsync(ct).ConfigureAwait(false) is not MsgMap { } request || request["op"] is not "get_data")
            return;
        await comm.WriteAsync(new MsgMap().Add("status", "OK").Add("data", new MsgMap().Add(Key, SerializedBuilder.Pickled(2L))), ct)
            .ConfigureAwait(false);
        await comm.ReadMessageAsync(ct).ConfigureAwait(false); // the "OK" that ends a get_data
    }
}
