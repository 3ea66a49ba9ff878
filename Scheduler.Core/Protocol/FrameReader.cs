using System.Buffers;
using System.Buffers.Binary;

namespace Scheduler.Core.Protocol;

/// <summary>Limits that protect the scheduler from a peer announcing absurd sizes.</summary>
public sealed record FrameLimits(long MaxMessageBytes, long MaxFrameBytes)
{
    // Dask shards payload frames at 64 MiB, so a single frame above 1 GiB means a broken or hostile peer.
    public static readonly FrameLimits Default = new(MaxMessageBytes: 16L << 30, MaxFrameBytes: 1L << 30);
}

/// <summary>
/// Incremental reader of Dask's framing (u64 total, u64 n, n x u64 lengths, frames; see below for what total counts). It consumes bytes as
/// they arrive and copies each frame into its own array, so a 100 MB message never has to sit whole in
/// the transport's buffer (Kestrel pauses a connection at 1 MiB of unconsumed input). "Need more bytes"
/// is the normal false return; malformed input throws <see cref="ProtocolException"/>.
/// </summary>
public sealed class FrameReader(FrameLimits? limits = null)
{
    private readonly FrameLimits _limits = limits ?? FrameLimits.Default;
    private long _total = -1;          // announced byte count after the total field; -1 = not read yet
    private long[]? _lengths;          // frame lengths, once the prelude is read
    private byte[][]? _frames;
    private int _frame;                // frame being filled
    private int _filled;               // bytes of that frame filled so far
    private bool _rentFrame0;          // the message being read rents its frame 0 when large
    private const int RentFrom = 64 << 10;

    /// <summary>
    /// Consumes as much of <paramref name="buffer"/> as it can (advancing it). Returns true with the frames
    /// of one complete message; false when more bytes are needed.
    /// </summary>
    public bool TryRead(ref ReadOnlySequence<byte> buffer, out byte[][] frames) =>
        TryRead(ref buffer, out frames, out _, rentFrame0: false);

    /// <summary>
    /// As <see cref="TryRead(ref ReadOnlySequence{byte}, out byte[][])"/>, but a large frame 0 (a graph) is
    /// rented from the shared array pool instead of allocated on the large-object heap, where every graph
    /// would push the runtime towards a full collection. Frame 0 is then longer than
    /// <paramref name="frame0Length"/>; give it back with <see cref="ReturnFrame0"/> once decoded (decoding
    /// copies every value out of it).
    /// </summary>
    public bool TryRead(ref ReadOnlySequence<byte> buffer, out byte[][] frames, out int frame0Length, bool rentFrame0)
    {
        frames = [];
        frame0Length = 0;
        if (_total < 0)
        {
            if (buffer.Length < 16) return false;
            Span<byte> head = stackalloc byte[16];
            buffer.Slice(0, 16).CopyTo(head);
            ulong total = BinaryPrimitives.ReadUInt64LittleEndian(head);
            ulong n = BinaryPrimitives.ReadUInt64LittleEndian(head[8..]);
            if (total < 8 || total > (ulong)_limits.MaxMessageBytes)
                ProtocolException.Throw($"message length {total} is outside 8..{_limits.MaxMessageBytes}");
            if (n == 0 || n > (total - 8) / 8)
                ProtocolException.Throw($"frame count {n} does not fit a message of {total} bytes");
            long need = 16 + 8 * (long)n;
            if (buffer.Length < need) return false;
            var lengths = new long[n];
            var lenBytes = new byte[8 * (int)n];
            buffer.Slice(16, lenBytes.Length).CopyTo(lenBytes);
            // The total counts the prelude and the frames that follow it; a 2024.12 peer counts only the leading
            // frames it wants read in one piece (prelude, msgpack, pickles), not the large buffers after them, so the
            // frames may add up to more than the total, never to less.
            long sum = 8 + 8 * (long)n;
            for (int i = 0; i < (int)n; i++)
            {
                ulong len = BinaryPrimitives.ReadUInt64LittleEndian(lenBytes.AsSpan(8 * i));
                if (len > (ulong)_limits.MaxFrameBytes || len > (ulong)Array.MaxLength)
                    ProtocolException.Throw($"frame {i} announces {len} bytes, above the limit of {_limits.MaxFrameBytes}");
                lengths[i] = (long)len;
                sum += (long)len;
                if (sum > _limits.MaxMessageBytes)
                    ProtocolException.Throw($"frame lengths exceed the message limit of {_limits.MaxMessageBytes} bytes");
            }
            if (sum < (long)total)
                ProtocolException.Throw($"frame lengths add up to {sum} bytes, the message announced {total}");
            buffer = buffer.Slice(need);
            _rentFrame0 = rentFrame0;
            _total = (long)total;
            _lengths = lengths;
            _frames = new byte[n][];
            _frame = 0;
            _filled = 0;
        }

        var framesSoFar = _frames!;
        var lens = _lengths!;
        while (_frame < framesSoFar.Length)
        {
            int len = (int)lens[_frame];
            var dst = framesSoFar[_frame] ??= len == 0 ? [] :
                _frame == 0 && _rentFrame0 && len >= RentFrom ? ArrayPool<byte>.Shared.Rent(len) : new byte[len];
            int take = (int)Math.Min(len - _filled, buffer.Length);
            if (take > 0)
            {
                buffer.Slice(0, take).CopyTo(dst.AsSpan(_filled));
                buffer = buffer.Slice(take);
                _filled += take;
            }
            if (_filled < len) return false;
            _frame++;
            _filled = 0;
        }
        frames = framesSoFar;
        frame0Length = (int)lens[0];
        _total = -1;
        _lengths = null;
        _frames = null;
        return true;
    }

    /// <summary>
    /// The fast path for the common message, one frame already wholly in <paramref name="buffer"/> (every stream
    /// batch without payloads): returns that frame as a slice of the buffer, with nothing copied, and advances
    /// the buffer past it. False, having consumed nothing, for anything else (several frames, not all arrived
    /// yet, a prelude <see cref="TryRead"/> must validate): then <see cref="TryRead"/> takes the message.
    /// </summary>
    public bool TryReadSingleFrame(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> frame0)
    {
        frame0 = default;
        if (_total >= 0 || buffer.Length < 24) return false;
        Span<byte> head = stackalloc byte[24];
        buffer.Slice(0, 24).CopyTo(head);
        ulong total = BinaryPrimitives.ReadUInt64LittleEndian(head);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(head[8..]);
        ulong len = BinaryPrimitives.ReadUInt64LittleEndian(head[16..]);
        if (n != 1 || len > (ulong)_limits.MaxFrameBytes || total != 16 + len || total > (ulong)_limits.MaxMessageBytes)
            return false;
        if ((ulong)buffer.Length < 24 + len) return false;
        frame0 = buffer.Slice(24, (long)len);
        buffer = buffer.Slice(24 + (long)len);
        return true;
    }

    /// <summary>Gives back the frame 0 of a message read with <c>rentFrame0</c> (a no-op when it was small).</summary>
    public static void ReturnFrame0(byte[][] frames, int frame0Length)
    {
        if (frame0Length >= RentFrom) ArrayPool<byte>.Shared.Return(frames[0]);
    }

    /// <summary>True while a message has been started but not finished (EOF now means truncation).</summary>
    public bool InMessage => _total >= 0;
}
