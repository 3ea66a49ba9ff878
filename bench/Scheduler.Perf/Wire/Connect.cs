using System.IO.Pipelines;
using System.Net.Sockets;
using Scheduler.Core.Protocol;
using Scheduler.Host.Comm;

namespace Scheduler.Perf.Wire;

/// <summary>Opens Dask comms (TCP + handshake) the way a Python peer does.</summary>
public static class Connect
{
    /// <summary>"tcp://host:port" to (host, port).</summary>
    public static (string Host, int Port) Parse(string address)
    {
        var rest = address.StartsWith("tcp://", StringComparison.Ordinal) ? address[6..] : address;
        int colon = rest.LastIndexOf(':');
        if (colon < 0) throw new ArgumentException($"no port in {address}");
        return (rest[..colon], int.Parse(rest[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Connects and handshakes as the connecting side (reads the listener's handshake first).</summary>
    public static async Task<DaskComm> ToAsync(string address, CancellationToken ct, TimeSpan? timeout = null)
    {
        var (host, port) = Parse(address);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(host, port, ct).ConfigureAwait(false);
                var stream = new NetworkStream(socket, ownsSocket: true);
                var comm = new DaskComm(PipeReader.Create(stream), PipeWriter.Create(stream), address);
                await comm.ConnectHandshakeAsync(null, ct).ConfigureAwait(false);
                return comm;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                // A scheduler that is still starting (or a listen backlog full of 1000 workers registering): retry.
                socket.Dispose();
                await Task.Delay(50, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Wraps an accepted socket and handshakes as the listening side (writes first).</summary>
    public static async Task<DaskComm> AcceptedAsync(Socket socket, CancellationToken ct)
    {
        socket.NoDelay = true;
        var stream = new NetworkStream(socket, ownsSocket: true);
        var comm = new DaskComm(PipeReader.Create(stream), PipeWriter.Create(stream), socket.RemoteEndPoint?.ToString() ?? "peer");
        await comm.AcceptHandshakeAsync(null, ct).ConfigureAwait(false);
        return comm;
    }

    /// <summary>One RPC: writes a request map and reads its reply.</summary>
    public static async Task<object?> CallAsync(this DaskComm comm, MsgMap request, CancellationToken ct)
    {
        await comm.WriteAsync(request, ct).ConfigureAwait(false);
        return await comm.ReadAsync(ct).ConfigureAwait(false);
    }

    public static double Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
}
