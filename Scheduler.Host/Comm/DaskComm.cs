using System.Buffers;
using System.IO.Pipelines;
using Scheduler.Core.Protocol;

namespace Scheduler.Host.Comm;

/// <summary>
/// One Dask comm over a duplex pipe: the handshake, then framed messages both ways. Reading is done
/// by one loop; writes are serialised by a lock so the handshake, RPC replies and stream batches
/// never interleave.
/// </summary>
public sealed class DaskComm(PipeReader input, PipeWriter output, string peer, FrameLimits? limits = null)
{
    private readonly FrameReader _frames = new(limits);
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    public string Peer { get; } = peer;

    /// <summary>What the peer said in its handshake (null before the handshake).</summary>
    public MsgMap? RemoteHandshake { get; private set; }

    /// <summary>Negotiated compression: ours when both sides offered the same, else none.</summary>
    public string? Compression { get; private set; }

    /// <summary>Whether lz4 payloads can be forwarded to this peer as they are.</summary>
    public bool PeerAcceptsLz4 => RemoteHandshake == null || Compression == "lz4";

    public static MsgMap Handshake(string? compression, long pickleProtocol) => new MsgMap()
        .Add("compression", compression)
        .Add("python", new object?[] { 3L, 11L, 2L })
        .Add("pickle-protocol", pickleProtocol);

    /// <summary>The listening side writes its handshake first, then reads the peer's.</summary>
    public async Task AcceptHandshakeAsync(string? compression, CancellationToken ct)
    {
        await WriteAsync(Handshake(compression, 5), ct).ConfigureAwait(false);
        await ReadHandshakeAsync(compression, ct).ConfigureAwait(false);
    }

    /// <summary>The connecting side reads the listener's handshake, then writes its own (pickle protocol 4, as Dask's scheduler does).</summary>
    public async Task ConnectHandshakeAsync(string? compression, CancellationToken ct)
    {
        await ReadHandshakeAsync(compression, ct).ConfigureAwait(false);
        await WriteAsync(Handshake(compression, 4), ct).ConfigureAwait(false);
    }

    private async Task ReadHandshakeAsync(string? compression, CancellationToken ct)
    {
        var frames = await ReadFramesAsync(ct).ConfigureAwait(false)
            ?? throw new ProtocolException("connection closed during the handshake");
        if (MsgDecoder.Decode(frames) is not MsgMap hs || !hs.ContainsKey("pickle-protocol") || !hs.ContainsKey("compression"))
            throw new ProtocolException("the first message is not a Dask handshake (needs compression and pickle-protocol)");
        RemoteHandshake = hs;
        Compression = hs["compression"] is string c && c == compression ? compression : null;
    }

    /// <summary>Reads the frames of the next message; null at a clean end of stream.</summary>
    public async Task<byte[][]?> ReadFramesAsync(CancellationToken ct)
    {
        while (true)
        {
            var result = await input.ReadAsync(ct).ConfigureAwait(false);
            var buffer = result.Buffer;
            bool got = false;
            byte[][] frames;
            try
            {
                got = _frames.TryRead(ref buffer, out frames);
            }
            finally
            {
                // Everything TryRead copied out is consumed. After a whole message the rest may already
                // hold the next one, so it is not marked examined (the next read must not wait for more).
                if (got) input.AdvanceTo(buffer.Start);
                else input.AdvanceTo(buffer.Start, buffer.End);
            }
            if (got) return frames;
            if (result.IsCompleted || result.IsCanceled)
            {
                if (_frames.InMessage || !buffer.IsEmpty) throw new ProtocolException("connection closed in the middle of a message");
                return null;
            }
        }
    }

    public async Task<object?> ReadAsync(CancellationToken ct)
    {
        var frames = await ReadFramesAsync(ct).ConfigureAwait(false);
        return frames == null ? throw new EndOfStreamException($"{Peer} closed the connection") : MsgDecoder.Decode(frames);
    }

    public async Task WriteAsync(object? message, CancellationToken ct)
    {
        var frames = MsgEncoder.EncodeFrames(message, PeerAcceptsLz4);
        await WriteFramesAsync([frames], ct).ConfigureAwait(false);
    }

    /// <summary>Writes several already-encoded messages with one flush.</summary>
    public async Task WriteFramesAsync(IReadOnlyList<List<byte[]>> messages, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            foreach (var m in messages) FrameWriter.Write(output, m);
            var flush = await output.FlushAsync(ct).ConfigureAwait(false);
            if (flush.IsCompleted) throw new EndOfStreamException($"{Peer} stopped reading");
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task CompleteAsync()
    {
        try { await output.CompleteAsync().ConfigureAwait(false); } catch (InvalidOperationException) { }
        try { await input.CompleteAsync().ConfigureAwait(false); } catch (InvalidOperationException) { }
    }
}
