using System.Buffers;
using CommunityToolkit.HighPerformance.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Scheduler.Core.Protocol;
using Scheduler.Core.Protocol.Dialects;

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
    // Frame 0 of each outgoing message is encoded here, under the write lock, then copied into the pipe:
    // one buffer per connection instead of a growing array and a copy per message. It grows through the
    // shared array pool, and a buffer grown by a large batch goes back to the pool after the write rather
    // than being held for the connection's life (a thousand idle workers must not each keep megabytes).
    private const int ScratchKeepBytes = 256 << 10;
    private ArrayPoolBufferWriter<byte> _scratch = new(4096);
    private readonly List<byte[]> _scratchFrames = [];

    public string Peer { get; } = peer;

    /// <summary>What the peer said in its handshake (null before the handshake).</summary>
    public MsgMap? RemoteHandshake { get; private set; }

    /// <summary>Negotiated compression: ours when both sides offered the same, else none.</summary>
    public string? Compression { get; private set; }

    /// <summary>
    /// The Dask version the peer speaks: from its handshake's Python version until it registers, then from the
    /// versions it registered with. It decides how keys are written (a 2024.12 peer's tuple keys are tuples).
    /// </summary>
    public DaskDialect Dialect { get; set; } = DaskDialect.Dask2022;

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
        var message = await ReadMessageAsync(ct).ConfigureAwait(false);
        if (message == EndOfStream) throw new ProtocolException("connection closed during the handshake");
        if (message is not MsgMap hs || !hs.ContainsKey("pickle-protocol") || !hs.ContainsKey("compression"))
            throw new ProtocolException("the first message is not a Dask handshake (needs compression and pickle-protocol)");
        RemoteHandshake = hs;
        Dialect = DaskDialect.FromHandshake(hs);
        Compression = hs["compression"] is string c && c == compression ? compression : null;
    }

    /// <summary>Reads the frames of the next message, undecoded; null at a clean end of stream.</summary>
    public async Task<byte[][]?> ReadFramesAsync(CancellationToken ct)
    {
        var frames = await ReadNextAsync(decode: false, ct).ConfigureAwait(false);
        return frames == EndOfStream ? null : (byte[][])frames!;
    }

    /// <summary>
    /// Reads and decodes the next message; <see cref="EndOfStream"/> at a clean end of stream. A one-frame
    /// message already whole in the transport's buffer is decoded where it lies, without copying its frame.
    /// </summary>
    public ValueTask<object?> ReadMessageAsync(CancellationToken ct) => ReadNextAsync(decode: true, ct);

    /// <summary>The read loop of both: the decoded message, or (not decoding) the message's frames.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<object?> ReadNextAsync(bool decode, CancellationToken ct)
    {
        while (true)
        {
            var result = await input.ReadAsync(ct).ConfigureAwait(false);
            var buffer = result.Buffer;
            bool got = false;
            object? message = null;
            try
            {
                if (!decode)
                {
                    got = _frames.TryRead(ref buffer, out var frames);
                    message = frames;
                }
                else if (_frames.TryReadSingleFrame(ref buffer, out var frame0))
                {
                    // Decoded before AdvanceTo: the frame is the pipe's memory until then.
                    message = MsgDecoder.Decode(frame0);
                    got = true;
                }
                else if (_frames.TryRead(ref buffer, out var frames, out int frame0Length, rentFrame0: true))
                {
                    got = true;
                    try
                    {
                        message = MsgDecoder.Decode(frames[0].AsMemory(0, frame0Length), frames);
                    }
                    finally
                    {
                        FrameReader.ReturnFrame0(frames, frame0Length);
                    }
                }
            }
            finally
            {
                // Everything read is consumed. After a whole message the rest may already hold the next one,
                // so it is not marked examined (the next read must not wait for more).
                if (got) input.AdvanceTo(buffer.Start);
                else input.AdvanceTo(buffer.Start, buffer.End);
            }
            if (got) return message;
            if (result.IsCompleted || result.IsCanceled)
            {
                if (_frames.InMessage || !buffer.IsEmpty) throw new ProtocolException("connection closed in the middle of a message");
                return EndOfStream;
            }
        }
    }

    /// <summary>What <see cref="ReadMessageAsync"/> returns when the peer closed cleanly.</summary>
    public static readonly object EndOfStream = new();

    public async Task<object?> ReadAsync(CancellationToken ct)
    {
        var message = await ReadMessageAsync(ct).ConfigureAwait(false);
        return message == EndOfStream ? throw new EndOfStreamException($"{Peer} closed the connection") : message;
    }

    public Task WriteAsync(object? message, CancellationToken ct) => WriteMessagesAsync([message], ct);

    /// <summary>Encodes and writes several messages with one flush.</summary>
    public async Task WriteMessagesAsync(IReadOnlyList<object?> messages, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            EncodeAll(messages);
            var flush = await output.FlushAsync(ct).ConfigureAwait(false);
            if (flush.IsCompleted) throw new EndOfStreamException($"{Peer} stopped reading");
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Encodes and writes several messages and starts their flush, without waiting: false (nothing written) when
    /// another write holds the comm. The flush usually completes at once; when the peer is slow to read, the
    /// returned flush completes later and the comm stays held until then.
    /// </summary>
    public bool TryWriteNow(IReadOnlyList<object?> messages, out ValueTask<FlushResult> flush) =>
        TryWrite(messages, long.MaxValue, out flush);

    /// <summary>
    /// As <see cref="TryWriteNow"/> for one message, and only if it encodes to at most <paramref name="maxBytes"/>
    /// (frames included): false, with nothing written, when it is bigger or the comm is held. Copying a big payload
    /// into the transport is left to a thread of its own.
    /// </summary>
    public bool TryWriteSmall(object? message, int maxBytes, out ValueTask<FlushResult> flush) =>
        TryWrite([message], maxBytes, out flush);

    private bool TryWrite(IReadOnlyList<object?> messages, long maxBytes, out ValueTask<FlushResult> flush)
    {
        flush = default;
        if (!_writeLock.Wait(0)) return false;
        bool held = true;
        try
        {
            if (!EncodeAll(messages, maxBytes)) return false;
            flush = output.FlushAsync();
            if (!flush.IsCompleted)
            {
                flush = ReleaseAfter(flush);
                held = false;
            }
            return true;
        }
        finally
        {
            if (held) _writeLock.Release();
        }
    }

    private async ValueTask<FlushResult> ReleaseAfter(ValueTask<FlushResult> flush)
    {
        try
        {
            return await flush.ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Encodes the messages into the pipe; false, with nothing written, when the first one (the only one a caller limits)
    /// is bigger than <paramref name="maxBytes"/>.
    /// </summary>
    private bool EncodeAll(IReadOnlyList<object?> messages, long maxBytes = long.MaxValue)
    {
        bool lz4 = PeerAcceptsLz4, tupleKeys = Dialect.TupleKeys;
        for (int i = 0; i < messages.Count; i++)
        {
            _scratch.Clear();
            MsgEncoder.EncodeInto(messages[i], _scratch, _scratchFrames, lz4, tupleKeys);
            if (i == 0 && maxBytes < long.MaxValue)
            {
                long size = _scratch.WrittenCount;
                foreach (var f in _scratchFrames) size += f.Length;
                if (size > maxBytes)
                {
                    _scratchFrames.Clear();
                    return false;
                }
            }
            FrameWriter.Write(output, _scratch.WrittenSpan, _scratchFrames);
        }
        _scratchFrames.Clear();
        if (_scratch.Capacity > ScratchKeepBytes)
        {
            _scratch.Dispose();
            _scratch = new(4096);
        }
        return true;
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
