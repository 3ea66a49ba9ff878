using System.Buffers;
using System.Buffers.Binary;
using Scheduler.Core.Protocol;
using Scheduler.Tests.Support;

namespace Scheduler.Tests.Protocol;

public class FrameReaderTests
{
    public static IEnumerable<object[]> CaptureNames() => Captures.Names().Select(n => new object[] { n });

    private delegate void Drain(ref ReadOnlySequence<byte> buffered);

    /// <summary>
    /// Feeds the bytes in pieces (the first piece ends at <paramref name="split"/>, the rest follow in
    /// <paramref name="chunk"/>-byte pieces); after each piece <paramref name="drain"/> reads what it can, and
    /// what it leaves is kept for the next piece, as a pipe does.
    /// </summary>
    private static void FeedInPieces(byte[] wire, int split, int chunk, Drain drain)
    {
        var pending = new List<byte>();
        int pos = 0;
        while (pos < wire.Length)
        {
            int take = pos == 0 ? split : chunk;
            take = Math.Max(1, Math.Min(take, wire.Length - pos));
            pending.AddRange(wire.AsSpan(pos, take).ToArray());
            pos += take;
            var seq = new ReadOnlySequence<byte>(pending.ToArray());
            drain(ref seq);
            pending = [.. seq.ToArray()];
        }
        Assert.Empty(pending);
    }

    private static List<byte[][]> ReadInPieces(byte[] wire, int split, int chunk)
    {
        var reader = new FrameReader();
        var messages = new List<byte[][]>();
        FeedInPieces(wire, split, chunk, (ref ReadOnlySequence<byte> seq) =>
        {
            while (reader.TryRead(ref seq, out var frames)) messages.Add(frames);
        });
        return messages;
    }

    [Theory]
    [MemberData(nameof(CaptureNames))]
    public void Every_captured_message_reframes_identically_at_any_split(string capture)
    {
        int checkedMessages = 0;
        foreach (var m in Captures.Read(capture))
        {
            var expected = Captures.SplitFrames(m.Wire);
            // Small messages: every split point. Large ones: a handful of split points and small chunks.
            IEnumerable<int> splits = m.Wire.Length <= 600
                ? Enumerable.Range(1, m.Wire.Length)
                : [1, 7, 8, 15, 16, 17, 23, 24, m.Wire.Length / 2, m.Wire.Length - 1, m.Wire.Length];
            foreach (int split in splits)
            {
                var got = ReadInPieces(m.Wire, split, m.Wire.Length <= 600 ? 5 : 4093);
                var frames = Assert.Single(got);
                Assert.Equal(expected.Count, frames.Length);
                for (int i = 0; i < frames.Length; i++) Assert.True(expected[i].AsSpan().SequenceEqual(frames[i]), $"{capture}#{m.Index} frame {i} split {split}");
            }
            // And the framing we write is byte for byte what Python wrote.
            Assert.Equal(m.Wire, FrameWriter.ToBytes(expected));
            checkedMessages++;
        }
        Assert.True(checkedMessages > 0);
    }

    [Fact]
    public void A_whole_capture_stream_back_to_back_yields_every_message_in_order()
    {
        var msgs = Captures.Read("c_delayed").Where(m => m.Conn == Captures.Read("c_delayed").First().Conn && m.Direction == 0).ToList();
        var stream = msgs.SelectMany(m => m.Wire).ToArray();
        var got = ReadInPieces(stream, 3, 977);
        Assert.Equal(msgs.Count, got.Count);
        for (int i = 0; i < msgs.Count; i++) Assert.Equal(Captures.SplitFrames(msgs[i].Wire).Count, got[i].Length);
    }

    private static byte[] Header(ulong total, ulong n, params ulong[] lengths)
    {
        var b = new byte[16 + 8 * lengths.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(b, total);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(8), n);
        for (int i = 0; i < lengths.Length; i++) BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(16 + 8 * i), lengths[i]);
        return b;
    }

    [Theory]
    [InlineData(0UL, 1UL)]                      // total too small
    [InlineData(ulong.MaxValue, 1UL)]           // absurd total
    [InlineData(16UL, 0UL)]                     // no frames
    [InlineData(24UL, 100UL)]                   // more frames than bytes
    public void Impossible_preludes_are_protocol_errors(ulong total, ulong n)
    {
        var seq = new ReadOnlySequence<byte>(Header(total, n, 0));
        Assert.Throws<ProtocolException>(() => new FrameReader().TryRead(ref seq, out _));
    }

    [Fact]
    public void Frame_lengths_that_add_up_to_less_than_the_total_are_protocol_errors()
    {
        var seq = new ReadOnlySequence<byte>(Header(8 + 16 + 10, 2, 4, 5));
        Assert.Throws<ProtocolException>(() => new FrameReader().TryRead(ref seq, out _));
    }

    [Fact]
    public void A_2024_total_that_counts_only_the_leading_frames_still_reads_the_buffers_after_them()
    {
        // A 2024.12 worker's get_data reply with a numpy result: the total covers the prelude and frame 0 only; the
        // out-of-band buffer follows, announced in the prelude.
        var frame0 = new byte[] { 0x81, 0xa1, 0x6b, 0x01, 0xc0 };
        var buffer = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        var bytes = Header(8 + 16 + (ulong)frame0.Length, 2, (ulong)frame0.Length, (ulong)buffer.Length).Concat(frame0).Concat(buffer).ToArray();
        for (int split = 1; split < bytes.Length; split += 7)
        {
            var reader = new FrameReader();
            var first = new ReadOnlySequence<byte>(bytes, 0, split);
            if (!reader.TryRead(ref first, out var frames))
            {
                // What the reader left unconsumed comes again, with the rest.
                int consumed = split - (int)first.Length;
                var rest = new ReadOnlySequence<byte>(bytes, consumed, bytes.Length - consumed);
                Assert.True(reader.TryRead(ref rest, out frames));
                Assert.Equal(0, rest.Length);
            }
            Assert.Equal(frame0, frames[0]);
            Assert.Equal(buffer, frames[1]);
        }
        var limited = new ReadOnlySequence<byte>(bytes);
        Assert.Throws<ProtocolException>(() => new FrameReader(new FrameLimits(MaxMessageBytes: 64, MaxFrameBytes: 1 << 20)).TryRead(ref limited, out _));
    }

    [Fact]
    public void A_frame_above_the_limit_is_refused_before_anything_is_allocated()
    {
        var limits = new FrameLimits(MaxMessageBytes: 1L << 40, MaxFrameBytes: 1 << 20);
        var seq = new ReadOnlySequence<byte>(Header(8 + 8 + (2UL << 30), 1, 2UL << 30));
        Assert.Throws<ProtocolException>(() => new FrameReader(limits).TryRead(ref seq, out _));
    }

    [Fact]
    public void A_truncated_message_waits_for_more_and_reports_being_inside_a_message()
    {
        var full = FrameWriter.ToBytes([MsgEncoder.EncodePlain("hello"), new byte[100]]);
        var reader = new FrameReader();
        var seq = new ReadOnlySequence<byte>(full.AsSpan(0, full.Length - 1).ToArray());
        Assert.False(reader.TryRead(ref seq, out _));
        Assert.True(reader.InMessage);
    }

    /// <summary>
    /// The connection's read path: a one-frame message wholly in the buffer is decoded where it lies, anything
    /// else is copied with a large frame 0 rented from the pool and given back after decoding.
    /// </summary>
    private static List<string> DecodeInPieces(byte[] wire, int split, int chunk, out int inPlace)
    {
        var reader = new FrameReader();
        var decoded = new List<string>();
        int taken = 0;
        FeedInPieces(wire, split, chunk, (ref ReadOnlySequence<byte> seq) =>
        {
            while (true)
            {
                if (reader.TryReadSingleFrame(ref seq, out var frame0))
                {
                    decoded.Add(MsgDebug.Format(MsgDecoder.Decode(frame0)));
                    taken++;
                }
                else if (reader.TryRead(ref seq, out var frames, out int frame0Length, rentFrame0: true))
                {
                    decoded.Add(MsgDebug.Format(MsgDecoder.Decode(frames[0].AsMemory(0, frame0Length), frames)));
                    FrameReader.ReturnFrame0(frames, frame0Length);
                }
                else break;
            }
        });
        inPlace = taken;
        return decoded;
    }

    [Theory]
    [MemberData(nameof(CaptureNames))]
    public void Every_captured_message_decodes_the_same_in_place_or_copied_into_a_rented_frame(string capture)
    {
        int inPlaceTotal = 0, checkedMessages = 0;
        foreach (var m in Captures.Read(capture))
        {
            var expected = MsgDebug.Format(MsgDecoder.Decode(Captures.SplitFrames(m.Wire)));
            // Whole (the in-place path when it has one frame), split inside the prelude, and in small pieces.
            foreach (var (split, chunk) in new[] { (m.Wire.Length, 1), (7, m.Wire.Length), (1, 4093) })
            {
                var got = DecodeInPieces(m.Wire, split, chunk, out int inPlace);
                Assert.Equal(expected, Assert.Single(got));
                inPlaceTotal += inPlace;
            }
            checkedMessages++;
        }
        Assert.True(checkedMessages > 0);
        Assert.True(inPlaceTotal > 0, "no captured message took the in-place path");
    }

    [Fact]
    public void A_large_frame_0_is_rented_and_decodes_from_its_used_part_only()
    {
        var big = new MsgMap().Add("op", "update-graph").Add("blob", new byte[200_000]);
        var frames = MsgEncoder.EncodeFrames(big);
        frames.Add(new byte[3]); // a second frame: not the in-place path
        var seq = new ReadOnlySequence<byte>(FrameWriter.ToBytes(frames));
        var reader = new FrameReader();
        Assert.False(reader.TryReadSingleFrame(ref seq, out _));
        Assert.True(reader.TryRead(ref seq, out var got, out int frame0Length, rentFrame0: true));
        Assert.Equal(frames[0].Length, frame0Length);
        Assert.True(got[0].Length >= frame0Length);
        Assert.Equal(MsgDebug.Format(big), MsgDebug.Format(MsgDecoder.Decode(got[0].AsMemory(0, frame0Length), got)));
        FrameReader.ReturnFrame0(got, frame0Length);
    }

    [Fact]
    public void The_in_place_path_leaves_invalid_preludes_to_the_validating_reader()
    {
        // One frame longer than the total says there is: not taken in place, then refused by TryRead.
        var bytes = Header(8 + 8 + 12, 1, 11).Concat(new byte[11]).ToArray();
        var seq = new ReadOnlySequence<byte>(bytes);
        var reader = new FrameReader();
        Assert.False(reader.TryReadSingleFrame(ref seq, out _));
        Assert.Equal(bytes.Length, seq.Length);
        Assert.Throws<ProtocolException>(() => reader.TryRead(ref seq, out _));
    }
}
