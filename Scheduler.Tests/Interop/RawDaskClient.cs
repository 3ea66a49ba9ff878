using System.IO.Pipelines;
using System.Net.Sockets;
using Scheduler.Core.Protocol;
using Scheduler.Host.Comm;
using Scheduler.Host.Transfers;

namespace Scheduler.Tests.Interop;

/// <summary>A minimal Dask peer speaking the wire protocol directly (for raw-protocol tests and readiness checks).</summary>
public sealed class RawDaskClient : IAsyncDisposable
{
    private RawDaskClient(TcpClient tcp, DaskComm comm)
    {
        Tcp = tcp;
        Comm = comm;
    }

    public TcpClient Tcp { get; }
    public DaskComm Comm { get; }
    public NetworkStream Stream => Tcp.GetStream();

    /// <param name="receiveBufferBytes">The socket's receive buffer, when a test needs it small (a peer that stops reading).</param>
    public static async Task<RawDaskClient> ConnectAsync(string address, bool handshake = true, int? receiveBufferBytes = null)
    {
        var (host, port) = WorkerRpcPool.ParseAddress(address);
        var tcp = new TcpClient { NoDelay = true };
        if (receiveBufferBytes is int bytes) tcp.ReceiveBufferSize = bytes;
        await tcp.ConnectAsync(host, port);
        var stream = tcp.GetStream();
        var comm = new DaskComm(PipeReader.Create(stream), PipeWriter.Create(stream), address);
        if (handshake) await comm.ConnectHandshakeAsync(null, CancellationToken.None);
        return new RawDaskClient(tcp, comm);
    }

    public async Task<object?> RequestAsync(MsgMap request, int timeoutSeconds = 10)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        await Comm.WriteAsync(request, cts.Token);
        return await Comm.ReadAsync(cts.Token);
    }

    public ValueTask DisposeAsync()
    {
        Tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
