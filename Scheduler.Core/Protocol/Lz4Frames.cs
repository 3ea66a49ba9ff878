using System.Buffers.Binary;
using K4os.Compression.LZ4;

namespace Scheduler.Core.Protocol;

/// <summary>
/// python-lz4 block frames (<c>lz4.block.compress(store_size=True)</c>: a 4-byte little-endian
/// uncompressed size, then a raw LZ4 block). The scheduler forwards compressed payloads untouched; it
/// only decompresses when the receiving peer negotiated no compression and so may lack lz4.
/// </summary>
public static class Lz4Frames
{
    public static byte[] Decompress(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < 4) throw new ProtocolException("an lz4 frame shorter than its size prefix");
        int size = BinaryPrimitives.ReadInt32LittleEndian(frame);
        if (size < 0) throw new ProtocolException("an lz4 frame with a negative size");
        var output = new byte[size];
        int n = LZ4Codec.Decode(frame[4..], output);
        if (n != size) throw new ProtocolException($"an lz4 frame decoded to {n} bytes, its prefix says {size}");
        return output;
    }

    public static byte[] Compress(ReadOnlySpan<byte> data)
    {
        var output = new byte[4 + LZ4Codec.MaximumOutputSize(data.Length)];
        BinaryPrimitives.WriteInt32LittleEndian(output, data.Length);
        int n = LZ4Codec.Encode(data, output.AsSpan(4));
        return output.AsSpan(0, 4 + n).ToArray();
    }

    /// <summary>True if any payload frame of this object is tagged lz4.</summary>
    public static bool HasLz4(Serialized s) =>
        s.Header["compression"] is IList<object?> tags && tags.Any(t => t is "lz4");

    /// <summary>The same object with every lz4 frame decompressed and its tag set to nil.</summary>
    public static Serialized Decompressed(Serialized s)
    {
        if (s.Header["compression"] is not IList<object?> tags) return s;
        var frames = new byte[s.Frames.Length][];
        var newTags = new object?[tags.Count];
        for (int i = 0; i < frames.Length; i++)
        {
            bool lz4 = i < tags.Count && tags[i] is "lz4";
            frames[i] = lz4 ? Decompress(s.Frames[i]) : s.Frames[i];
            if (i < newTags.Length) newTags[i] = lz4 ? null : tags[i];
        }
        var header = s.Header.Copy();
        header.Set("compression", newTags);
        return new Serialized(MsgEncoder.EncodePlain(header), frames);
    }
}
