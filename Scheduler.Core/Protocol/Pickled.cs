using System.Buffers.Binary;

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

    /// <summary>Wraps a pickle this scheduler made (a task's re-emitted run_spec) and the buffers it references.</summary>
    public static Pickled FromPickle(byte[] pickle, byte[][] buffers) => FromPickle(pickle.AsSpan(), buffers);

    /// <summary>
    /// As <see cref="FromPickle(byte[], byte[][])"/>, from a pickle in a buffer the caller reuses. The sub-header is
    /// written here byte for byte as the msgpack encoder writes the map <c>{"pickled-obj": bin, "num-sub-frames":
    /// n}</c>, into one array of the exact size: a 2024.12 graph makes one per task, and a general encoder (a
    /// MsgMap, a growing buffer, a copy) cost more than the pickle itself. The decoded header is built only if
    /// someone reads it (the wire needs only the bytes).
    /// </summary>
    public static Pickled FromPickle(ReadOnlySpan<byte> pickle, byte[][] buffers)
    {
        ReadOnlySpan<byte> key1 = [0x82, 0xab, .. "pickled-obj"u8];
        ReadOnlySpan<byte> key2 = [0xae, .. "num-sub-frames"u8];
        int n = pickle.Length;
        int binHeader = n <= byte.MaxValue ? 2 : n <= ushort.MaxValue ? 3 : 5;
        long count = buffers.Length;
        int countBytes = count <= 127 ? 1 : count <= byte.MaxValue ? 2 : count <= ushort.MaxValue ? 3 : 5;
        var bytes = new byte[key1.Length + binHeader + n + key2.Length + countBytes];
        var w = bytes.AsSpan();
        key1.CopyTo(w);
        w = w[key1.Length..];
        // bin 8 / bin 16 / bin 32, big-endian lengths, the smallest that fits (as MessagePackWriter.Write(span))
        if (binHeader == 2) { w[0] = 0xc4; w[1] = (byte)n; }
        else if (binHeader == 3) { w[0] = 0xc5; BinaryPrimitives.WriteUInt16BigEndian(w[1..], (ushort)n); }
        else { w[0] = 0xc6; BinaryPrimitives.WriteUInt32BigEndian(w[1..], (uint)n); }
        pickle.CopyTo(w[binHeader..]);
        w = w[(binHeader + n)..];
        key2.CopyTo(w);
        w = w[key2.Length..];
        // positive fixint / uint 8 / uint 16 / uint 32, as MessagePackWriter.Write(long) for a non-negative count
        if (countBytes == 1) w[0] = (byte)count;
        else if (countBytes == 2) { w[0] = 0xcc; w[1] = (byte)count; }
        else if (countBytes == 3) { w[0] = 0xcd; BinaryPrimitives.WriteUInt16BigEndian(w[1..], (ushort)count); }
        else { w[0] = 0xce; BinaryPrimitives.WriteUInt32BigEndian(w[1..], (uint)count); }
        return new Pickled(bytes, buffers);
    }

    public override string ToString() => $"Pickled({HeaderBytes.Length} B header, {Frames.Length} buffers)";
}
