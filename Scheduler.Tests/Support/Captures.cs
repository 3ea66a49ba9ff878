using System.Buffers.Binary;

namespace Scheduler.Tests.Support;

/// <summary>One recorded wire message of ../shared/protocol/captures (raw.bin, "DASKCAP1").</summary>
public sealed record CapturedMessage(string Capture, int Index, uint Conn, byte Direction, byte[] Wire);

/// <summary>Reads the golden captures recorded from real Dask 2022.12.1 traffic.</summary>
public static class Captures
{
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "protocol", "captures");
                if (Directory.Exists(candidate)) return candidate;
            }
            throw new DirectoryNotFoundException("shared/protocol/captures not found above " + AppContext.BaseDirectory);
        }
    }

    public static IEnumerable<string> Names() =>
        Directory.GetDirectories(Root).Select(Path.GetFileName).OfType<string>().OrderBy(n => n, StringComparer.Ordinal);

    public static IEnumerable<CapturedMessage> Read(string name)
    {
        var data = File.ReadAllBytes(Path.Combine(Root, name, "raw.bin"));
        if (System.Text.Encoding.ASCII.GetString(data, 0, 8) != "DASKCAP1") throw new InvalidDataException("not a capture");
        int pos = 8, index = 0;
        while (pos < data.Length)
        {
            uint recLen = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(pos));
            uint conn = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(pos + 12));
            byte dir = data[pos + 16];
            var payload = data.AsSpan(pos + 26, (int)recLen - 22).ToArray();
            pos += 4 + (int)recLen;
            yield return new CapturedMessage(name, index++, conn, dir, payload);
        }
    }

    /// <summary>Splits a wire message into its frames with no help from the code under test.</summary>
    public static List<byte[]> SplitFrames(byte[] wire)
    {
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(wire.AsSpan(8));
        var frames = new List<byte[]>();
        int off = 16 + 8 * (int)n;
        for (int i = 0; i < n; i++)
        {
            int len = (int)BinaryPrimitives.ReadUInt64LittleEndian(wire.AsSpan(16 + 8 * i));
            frames.Add(wire.AsSpan(off, len).ToArray());
            off += len;
        }
        return frames;
    }
}
