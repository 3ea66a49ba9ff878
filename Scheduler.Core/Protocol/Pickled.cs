namespace Scheduler.Core.Protocol;

/// <summary>
/// A pickled object as Dask 2024.12's protocol carries it (<c>{"__Pickled__": i}</c>): frame i is a msgpack
/// sub-header holding the pickle itself (<c>pickled-obj</c>) and <c>num-sub-frames</c>; the next frames are the
/// pickle's out-of-band (protocol 5) buffers. The scheduler never unpickles it: it is forwarded byte for byte,
/// read only by the inert symbolic reader where the scheduler must understand it (graphs, annotations).
/// </summary>
public sealed class Pickled
{
    private MsgMap? _header;

    internal Pickled(byte[] headerBytes, byte[][] frames, MsgMap header) : this(headerBytes, frames) => _header = header;

    public Pickled(byte[] headerBytes, byte[][] frames)
    {
        HeaderBytes = headerBytes;
        Frames = frames;
    }

    /// <summary>The sub-header frame, msgpack, byte for byte as the sender wrote it.</summary>
    public byte[] HeaderBytes { get; }

    /// <summary>The out-of-band buffers (possibly compressed, see the sub-header's <c>compression</c>).</summary>
    public byte[][] Frames { get; }

    public MsgMap Header => _header ??= MsgDecoder.DecodePlain(HeaderBytes) as MsgMap
        ?? throw new ProtocolException("a __Pickled__ sub-header is not a msgpack map");

    /// <summary>The pickle (protocol 5 from a 2024.12 peer).</summary>
    public byte[] Pickle => Header["pickled-obj"] as byte[]
        ?? throw new ProtocolException("a __Pickled__ sub-header without pickled-obj bytes");

    /// <summary>True when the sender compressed the buffers (the sub-header lists a compression per frame).</summary>
    public bool HasCompressedFrames => Header["compression"] is object?[] c && c.Any(x => x is not null);

    /// <summary>Wraps a pickle this scheduler made (a task's re-emitted run_spec) and the buffers it references.</summary>
    public static Pickled FromPickle(byte[] pickle, byte[][] buffers)
    {
        var header = new MsgMap(2).Add("pickled-obj", pickle).Add("num-sub-frames", (long)buffers.Length);
        return new Pickled(MsgEncoder.EncodePlain(header), buffers, header);
    }

    public long PayloadBytes
    {
        get
        {
            long n = HeaderBytes.Length;
            foreach (var f in Frames) n += f.Length;
            return n;
        }
    }

    public override string ToString() => $"Pickled({HeaderBytes.Length} B header, {Frames.Length} buffers)";
}
