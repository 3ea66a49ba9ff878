using System.Buffers;
using MessagePack;

namespace Scheduler.Core.Protocol;

/// <summary>
/// Decodes frame 0 of a Dask message into a generic value tree: null, bool, long (ulong above
/// long.MaxValue), double, string, byte[] (msgpack bin), object?[] (array), <see cref="MsgMap"/>,
/// <see cref="Serialized"/> in place of <c>{"__Serialized__": i}</c> references and <see cref="Pickled"/> in place
/// of a 2024.12 peer's <c>{"__Pickled__": i}</c> (never unpickled).
/// Strings and bin are never confused: Dask keys may be either.
/// </summary>
public static class MsgDecoder
{
    private const int MaxDepth = 256;

    /// <summary>Decodes a whole message: frame 0 plus the out-of-band frames it references.</summary>
    public static object? Decode(IReadOnlyList<byte[]> frames)
    {
        if (frames.Count == 0) ProtocolException.Throw("a message with no frames");
        return Decode(frames[0], frames);
    }

    /// <summary>Decodes a message whose frame 0 is <paramref name="frame0"/> (a pooled array's used part).</summary>
    public static object? Decode(ReadOnlyMemory<byte> frame0, IReadOnlyList<byte[]> frames)
    {
        var reader = new MessagePackReader(frame0);
        var value = Read(ref reader, frames, 0);
        if (!reader.End) ProtocolException.Throw("trailing bytes after the msgpack document in frame 0");
        return value;
    }

    /// <summary>Decodes a one-frame message straight from the transport's buffer (no out-of-band frames).</summary>
    public static object? Decode(ReadOnlySequence<byte> frame0)
    {
        var reader = new MessagePackReader(frame0);
        var value = Read(ref reader, SingleFrame, 0);
        if (!reader.End) ProtocolException.Throw("trailing bytes after the msgpack document in frame 0");
        return value;
    }

    // A one-frame message has no frame a __Serialized__ marker could refer to: the marker is rejected as
    // out of range, as it is for a copied message.
    private static readonly byte[][] SingleFrame = [[]];

    /// <summary>Decodes one msgpack document with no out-of-band frames (sub-headers).</summary>
    public static object? DecodePlain(ReadOnlyMemory<byte> bytes)
    {
        var reader = new MessagePackReader(bytes);
        return Read(ref reader, null, 0);
    }

    private static object? Read(ref MessagePackReader reader, IReadOnlyList<byte[]>? frames, int depth)
    {
        if (depth > MaxDepth) ProtocolException.Throw("msgpack nesting too deep");
        try
        {
            switch (reader.NextMessagePackType)
            {
                case MessagePackType.Nil:
                    reader.ReadNil();
                    return null;
                case MessagePackType.Boolean:
                    return reader.ReadBoolean();
                case MessagePackType.Integer:
                    if (reader.NextCode == MessagePackCode.UInt64)
                    {
                        ulong u = reader.ReadUInt64();
                        return u <= long.MaxValue ? (long)u : u;
                    }
                    return reader.ReadInt64();
                case MessagePackType.Float:
                    return reader.ReadDouble();
                case MessagePackType.String:
                    // Ops, field names, stimulus ids and task keys recur in every message: short strings
                    // come from a cache (the same instance as last time), so decoding them allocates nothing.
                    if (reader.TryReadStringSpan(out var utf8))
                        return StringCache.Get(utf8);
                    return reader.ReadString();
                case MessagePackType.Binary:
                    {
                        var seq = reader.ReadBytes();
                        return seq.HasValue ? seq.Value.ToArray() : null;
                    }
                case MessagePackType.Array:
                    {
                        int n = reader.ReadArrayHeader();
                        var arr = new object?[n];
                        for (int i = 0; i < n; i++) arr[i] = Read(ref reader, frames, depth + 1);
                        return arr;
                    }
                case MessagePackType.Map:
                    {
                        int n = reader.ReadMapHeader();
                        var map = new MsgMap(n);
                        for (int i = 0; i < n; i++)
                        {
                            var k = Read(ref reader, frames, depth + 1);
                            var v = Read(ref reader, frames, depth + 1);
                            map.Add(k, v);
                        }
                        if (frames != null && n == 1) return ResolveMarker(map, frames);
                        return map;
                    }
                case MessagePackType.Extension:
                    ProtocolException.Throw("msgpack ext types are not used by Dask");
                    return null;
                default:
                    ProtocolException.Throw($"unknown msgpack code 0x{reader.NextCode:x2}");
                    return null;
            }
        }
        catch (MessagePackSerializationException e)
        {
            throw new ProtocolException("malformed msgpack: " + e.Message);
        }
        catch (EndOfStreamException)
        {
            throw new ProtocolException("truncated msgpack document");
        }
    }

    private static object ResolveMarker(MsgMap map, IReadOnlyList<byte[]> frames)
    {
        var (key, value) = map.First();
        if (key is not string s) return map;
        if (s == "__Serialized__" && value is long index) return Serialized(frames, index);
        if (s == "__Pickled__" && value is long pickledIndex) return Pickled(frames, pickledIndex);
        return map;
    }

    // A 2024.12 peer's ToPickle/Pickled value: kept as its bytes, never unpickled.
    private static Pickled Pickled(IReadOnlyList<byte[]> frames, long index)
    {
        var (header, payload, headerMap) = SubFrames(frames, index, "__Pickled__");
        return new Pickled(header, payload, headerMap);
    }

    private static Serialized Serialized(IReadOnlyList<byte[]> frames, long index)
    {
        var (header, payload, headerMap) = SubFrames(frames, index, "__Serialized__");
        return new Serialized(header, payload, headerMap);
    }

    private static (byte[] Header, byte[][] Payload, MsgMap HeaderMap) SubFrames(IReadOnlyList<byte[]> frames, long index, string marker)
    {
        if (index < 1 || index >= frames.Count)
            ProtocolException.Throw($"{marker} refers to frame {index}, the message has {frames.Count}");
        var header = frames[(int)index];
        var headerMap = DecodePlain(header) as MsgMap
            ?? throw new ProtocolException($"a {marker} sub-header is not a msgpack map");
        long n = headerMap["num-sub-frames"] switch
        {
            long l => l,
            null => 0,
            _ => throw new ProtocolException("num-sub-frames is not an integer"),
        };
        if (n < 0 || index + n > frames.Count - 1)
            ProtocolException.Throw($"{marker} at frame {index} claims {n} sub-frames, the message has {frames.Count}");
        var payload = new byte[n][];
        for (int i = 0; i < n; i++) payload[i] = frames[(int)index + 1 + i];
        return (header, payload, headerMap);
    }
}
