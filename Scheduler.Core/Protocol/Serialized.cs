namespace Scheduler.Core.Protocol;

/// <summary>
/// An out-of-band object (<c>{"__Serialized__": i}</c> on the wire): a sub-header frame and its payload
/// frames. The scheduler never looks inside the payload; it re-emits the header bytes and the frames
/// exactly as received, wherever the object is forwarded (task specs, data, exceptions).
/// </summary>
public sealed class Serialized
{
    private MsgMap? _header;

    internal Serialized(byte[] headerBytes, byte[][] frames, MsgMap header) : this(headerBytes, frames) => _header = header;

    public Serialized(byte[] headerBytes, byte[][] frames)
    {
        HeaderBytes = headerBytes;
        Frames = frames;
    }

    /// <summary>The sub-header frame, msgpack, byte for byte as the sender wrote it.</summary>
    public byte[] HeaderBytes { get; }

    /// <summary>The payload frames (possibly compressed, possibly split), untouched.</summary>
    public byte[][] Frames { get; }

    /// <summary>The decoded sub-header (serializer, compression, num-sub-frames, ...).</summary>
    public MsgMap Header => _header ??= MsgDecoder.DecodePlain(HeaderBytes) as MsgMap
        ?? throw new ProtocolException("a __Serialized__ sub-header is not a msgpack map");

    /// <summary>Bytes of payload carried (the sum of the frame lengths).</summary>
    public long PayloadBytes
    {
        get
        {
            long n = 0;
            foreach (var f in Frames) n += f.Length;
            return n;
        }
    }

    public override string ToString() => $"Serialized({Frames.Length} frames, {PayloadBytes} B)";
}
