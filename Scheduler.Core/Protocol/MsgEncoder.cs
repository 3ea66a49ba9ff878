using System.Buffers;
using System.Buffers.Binary;
using MessagePack;

namespace Scheduler.Core.Protocol;

/// <summary>
/// Encodes a value tree (the types <see cref="MsgDecoder"/> produces, plus int, List, string-keyed
/// dictionaries and <see cref="Serialized"/>) as a Dask message: frame 0 is msgpack; every
/// Serialized becomes <c>{"__Serialized__": i}</c> with its header and payload frames appended in
/// traversal order, exactly as Python's <c>protocol.dumps</c> lays them out.
/// </summary>
public static class MsgEncoder
{
    /// <summary>
    /// Encodes <paramref name="message"/> into frames (frame 0 first). For a peer that did not negotiate
    /// lz4, forwarded lz4 payloads are decompressed on the way out.
    /// </summary>
    public static List<byte[]> EncodeFrames(object? message, bool peerAcceptsLz4 = true, bool tupleKeys = false)
    {
        var frames = new List<byte[]> { Array.Empty<byte>() };
        var buffer = new ArrayBufferWriter<byte>(256);
        var writer = new MessagePackWriter(buffer);
        Write(ref writer, message, frames, peerAcceptsLz4, tupleKeys);
        writer.Flush();
        frames[0] = buffer.WrittenSpan.ToArray();
        return frames;
    }

    /// <summary>
    /// Encodes <paramref name="message"/> with frame 0 written into <paramref name="frame0"/> (an empty buffer
    /// the caller reuses for every message a connection sends) and the out-of-band frames appended to
    /// <paramref name="frames"/>, whose slot 0 is a placeholder for frame 0. Nothing is allocated per message
    /// once the buffer has grown to the connection's largest message.
    /// </summary>
    public static void EncodeInto(object? message, IBufferWriter<byte> frame0, List<byte[]> frames, bool peerAcceptsLz4, bool tupleKeys = false)
    {
        frames.Clear();
        frames.Add([]);
        var writer = new MessagePackWriter(frame0);
        Write(ref writer, message, frames, peerAcceptsLz4, tupleKeys);
        writer.Flush();
    }

    /// <summary>Encodes one plain msgpack document (no out-of-band frames allowed).</summary>
    public static byte[] EncodePlain(object? value)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        var writer = new MessagePackWriter(buffer);
        Write(ref writer, value, null);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    public static void Write(ref MessagePackWriter w, object? value, List<byte[]>? frames, bool peerAcceptsLz4 = true, bool tupleKeys = false)
    {
        switch (value)
        {
            case null: w.WriteNil(); break;
            case bool b: w.Write(b); break;
            case long l: w.Write(l); break;
            case int i: w.Write((long)i); break;
            case ulong u: w.Write(u); break;
            case double d: w.Write(d); break;
            case float f: w.Write((double)f); break;
            case string s: w.Write(s); break;
            case TupleKey key:
                // tupleKeys: the peer speaks Dask 2024.12, whose keys are tuples; otherwise the repr is the key.
                if (tupleKeys && key.IsTuple) Write(ref w, key.Items, frames, peerAcceptsLz4, tupleKeys);
                else w.Write(key.Repr);
                break;
            case byte[] bin: w.Write(bin.AsSpan()); break;
            case MsgMap map:
                w.WriteMapHeader(map.Count);
                foreach (var (k, v) in map)
                {
                    Write(ref w, k, frames, peerAcceptsLz4, tupleKeys);
                    Write(ref w, v, frames, peerAcceptsLz4, tupleKeys);
                }
                break;
            case Serialized ser:
                if (frames == null) throw new InvalidOperationException("a Serialized value inside a plain msgpack document");
                if (!peerAcceptsLz4 && Lz4Frames.HasLz4(ser)) ser = Lz4Frames.Decompressed(ser);
                w.WriteMapHeader(1);
                w.Write("__Serialized__");
                w.Write((long)frames.Count);
                frames.Add(ser.HeaderBytes);
                frames.AddRange(ser.Frames);
                break;
            case Pickled pickled:
                if (frames == null) throw new InvalidOperationException("a Pickled value inside a plain msgpack document");
                w.WriteMapHeader(1);
                w.Write("__Pickled__");
                w.Write((long)frames.Count);
                frames.Add(pickled.HeaderBytes);
                frames.AddRange(pickled.Frames);
                break;
            case IList<object?> list:
                w.WriteArrayHeader(list.Count);
                for (int i = 0; i < list.Count; i++) Write(ref w, list[i], frames, peerAcceptsLz4, tupleKeys);
                break;
            case IReadOnlyDictionary<string, object?> dict:
                w.WriteMapHeader(dict.Count);
                foreach (var (k, v) in dict)
                {
                    w.Write(k);
                    Write(ref w, v, frames, peerAcceptsLz4, tupleKeys);
                }
                break;
            case System.Collections.IEnumerable seq:
                {
                    var items = seq.Cast<object?>().ToList();
                    w.WriteArrayHeader(items.Count);
                    foreach (var e in items) Write(ref w, e, frames, peerAcceptsLz4, tupleKeys);
                    break;
                }
            default:
                throw new InvalidOperationException($"cannot encode a {value.GetType().Name} as msgpack");
        }
    }
}

/// <summary>The Dask TCP framing: u64 total, u64 frame count, u64 length per frame, the frames.</summary>
public static class FrameWriter
{
    public static void Write(IBufferWriter<byte> output, IReadOnlyList<byte[]> frames) =>
        Write(output, frames[0], frames);

    /// <summary>Writes one message whose frame 0 is <paramref name="frame0"/>; <c>frames[0]</c> is not used.</summary>
    public static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> frame0, IReadOnlyList<byte[]> frames)
    {
        int prelude = 16 + 8 * frames.Count;
        long total = 8 + 8L * frames.Count + frame0.Length;
        for (int i = 1; i < frames.Count; i++) total += frames[i].Length;
        var head = output.GetSpan(prelude);
        BinaryPrimitives.WriteUInt64LittleEndian(head, (ulong)total);
        BinaryPrimitives.WriteUInt64LittleEndian(head[8..], (ulong)frames.Count);
        BinaryPrimitives.WriteUInt64LittleEndian(head[16..], (ulong)frame0.Length);
        for (int i = 1; i < frames.Count; i++)
            BinaryPrimitives.WriteUInt64LittleEndian(head[(16 + 8 * i)..], (ulong)frames[i].Length);
        output.Advance(prelude);
        Copy(output, frame0);
        for (int i = 1; i < frames.Count; i++) Copy(output, frames[i]);
    }

    // Large frames are copied in slices so one message never needs one huge span.
    private static void Copy(IBufferWriter<byte> output, ReadOnlySpan<byte> src)
    {
        while (!src.IsEmpty)
        {
            var dst = output.GetSpan(Math.Min(src.Length, 1 << 20));
            int n = Math.Min(dst.Length, src.Length);
            src[..n].CopyTo(dst);
            output.Advance(n);
            src = src[n..];
        }
    }

    public static byte[] ToBytes(IReadOnlyList<byte[]> frames)
    {
        var buf = new ArrayBufferWriter<byte>();
        Write(buf, frames);
        return buf.WrittenSpan.ToArray();
    }
}
