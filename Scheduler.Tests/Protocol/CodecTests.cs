using Scheduler.Core.Protocol;
using Scheduler.Tests.Support;

namespace Scheduler.Tests.Protocol;

public class CodecTests
{
    public static IEnumerable<object[]> CaptureNames() => Captures.Names().Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(CaptureNames))]
    public void Every_captured_frame0_decodes_and_reencodes_byte_for_byte(string capture)
    {
        int n = 0;
        foreach (var m in Captures.Read(capture))
        {
            var frames = Captures.SplitFrames(m.Wire);
            var decoded = MsgDecoder.Decode(frames);
            var reencoded = MsgEncoder.EncodeFrames(decoded);
            // Frame 0 and every out-of-band frame come back identical: Serialized objects are passed
            // through untouched and re-numbered in the same traversal order.
            Assert.Equal(frames.Count, reencoded.Count);
            for (int i = 0; i < frames.Count; i++)
                Assert.True(frames[i].AsSpan().SequenceEqual(reencoded[i]), $"{capture}#{m.Index} frame {i} differs");
            n++;
        }
        Assert.True(n > 0);
    }

    [Theory]
    [MemberData(nameof(CaptureNames))]
    public void One_reused_buffer_encodes_every_captured_message_back_to_its_wire_bytes(string capture)
    {
        // The connection's write path: frame 0 into one buffer reused for every message, framed straight
        // into the output. The bytes must be what Python sent, message after message.
        var scratch = new System.Buffers.ArrayBufferWriter<byte>(16);
        var frames = new List<byte[]>();
        int n = 0;
        foreach (var m in Captures.Read(capture))
        {
            var decoded = MsgDecoder.Decode(Captures.SplitFrames(m.Wire));
            scratch.ResetWrittenCount();
            MsgEncoder.EncodeInto(decoded, scratch, frames, peerAcceptsLz4: true);
            var output = new System.Buffers.ArrayBufferWriter<byte>();
            FrameWriter.Write(output, scratch.WrittenSpan, frames);
            Assert.True(m.Wire.AsSpan().SequenceEqual(output.WrittenSpan), $"{capture}#{m.Index} differs");
            n++;
        }
        Assert.True(n > 0);
    }

    [Fact]
    public void Decoded_short_strings_are_shared_instances_and_non_ascii_ones_decode_intact()
    {
        var a = (MsgMap)MsgDecoder.Decode([MsgEncoder.EncodePlain(new MsgMap().Add("op", "task-finished").Add("key", "inc-0123"))])!;
        var b = (MsgMap)MsgDecoder.Decode([MsgEncoder.EncodePlain(new MsgMap().Add("op", "task-finished").Add("key", "inc-0123"))])!;
        Assert.Same(a["op"], b["op"]);
        Assert.Same(a["key"], b["key"]);
        var text = "clé-" + new string('é', 3);
        var c = (MsgMap)MsgDecoder.Decode([MsgEncoder.EncodePlain(new MsgMap().Add("key", text))])!;
        var d = (MsgMap)MsgDecoder.Decode([MsgEncoder.EncodePlain(new MsgMap().Add("key", text))])!;
        Assert.Equal(text, c["key"]);
        Assert.Equal(text, d["key"]);
        var longKey = new string('x', 500);
        Assert.Equal(longKey, ((MsgMap)MsgDecoder.Decode([MsgEncoder.EncodePlain(new MsgMap().Add("k", longKey))])!)["k"]);
    }

    [Fact]
    public void Serialized_references_resolve_to_their_header_and_payload_frames()
    {
        // f_error_retry: task-erred from a worker carries exception and traceback out of band.
        var erred = Captures.Read("f_error_retry")
            .Select(m => (m, frames: Captures.SplitFrames(m.Wire)))
            .Select(x => (x.frames, msg: MsgDecoder.Decode(x.frames)))
            .Where(x => x.msg is IList<object?> batch && batch.OfType<MsgMap>().Any(o => o["op"] as string == "task-erred" && o["exception"] is Serialized))
            .First();
        var op = ((IList<object?>)erred.msg!).OfType<MsgMap>().First(o => o["op"] as string == "task-erred");
        var exc = Assert.IsType<Serialized>(op["exception"]);
        Assert.Equal(1L, exc.Header["num-sub-frames"]);
        Assert.Single(exc.Frames);
        Assert.Same(erred.frames[2], exc.Frames[0]);
    }

    [Fact]
    public void Str_and_bin_keys_stay_distinct_and_array_map_keys_compare_structurally()
    {
        var map = new MsgMap().Add("k", 1L).Add(new byte[] { (byte)'k' }, 2L).Add(new object?[] { 0L }, 3L);
        var back = Assert.IsType<MsgMap>(MsgDecoder.DecodePlain(MsgEncoder.EncodePlain(map)));
        Assert.Equal(1L, back["k"]);
        Assert.Equal(2L, back[new byte[] { (byte)'k' }]);
        Assert.Equal(3L, back[new object?[] { 0L }]);
    }

    [Fact]
    public void Integers_use_Pythons_encodings_unsigned_above_zero()
    {
        Assert.Equal(new byte[] { 0xcc, 0xc8 }, MsgEncoder.EncodePlain(200L));
        Assert.Equal(new byte[] { 0xd0, 0x9c }, MsgEncoder.EncodePlain(-100L));
        Assert.Equal(new byte[] { 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, MsgEncoder.EncodePlain(ulong.MaxValue));
        Assert.Equal(ulong.MaxValue, MsgDecoder.DecodePlain(MsgEncoder.EncodePlain(ulong.MaxValue)));
    }

    [Theory]
    [InlineData(new byte[] { 0xc1 })]                         // never-used code
    [InlineData(new byte[] { 0x92, 0x01 })]                   // array of 2 with 1 element
    [InlineData(new byte[] { 0xd9, 0x05, 0x61 })]             // str8 longer than the data
    [InlineData(new byte[] { 0xd4, 0x01, 0x00 })]             // ext type: Dask never sends one
    [InlineData(new byte[] { 0x81, 0xae, 0x5f, 0x5f, 0x53, 0x65, 0x72, 0x69, 0x61, 0x6c, 0x69, 0x7a, 0x65, 0x64, 0x5f, 0x5f, 0x05 })] // __Serialized__: 5 with 1 frame
    [InlineData(new byte[] { 0x01, 0x02 })]                   // trailing bytes
    public void Malformed_documents_are_protocol_errors(byte[] frame0)
    {
        Assert.Throws<ProtocolException>(() => MsgDecoder.Decode([frame0]));
    }

    [Fact]
    public void Pickled_payloads_are_kept_as_bytes_and_re_emitted_unchanged()
    {
        var pickle = new byte[] { 0x80, 0x05, 0x4b, 0x01, 0x2e }; // protocol 5: the int 1
        var buffer = new byte[] { 1, 2, 3 };
        var frame0 = MsgEncoder.EncodePlain(new MsgMap().Add("op", "x").Add("v", new MsgMap().Add("__Pickled__", 1L)));
        var header = MsgEncoder.EncodePlain(new MsgMap().Add("pickled-obj", pickle).Add("num-sub-frames", 1L));
        var decoded = Assert.IsType<MsgMap>(MsgDecoder.Decode([frame0, header, buffer]));
        var p = Assert.IsType<Pickled>(decoded["v"]);
        Assert.Equal(pickle, p.Pickle);
        Assert.Equal(buffer, Assert.Single(p.Frames));
        var again = MsgEncoder.EncodeFrames(decoded);
        Assert.Equal(3, again.Count);
        Assert.Equal(frame0, again[0]);
        Assert.Equal(header, again[1]);
        Assert.Equal(buffer, again[2]);
    }

    [Fact]
    public void A_pickled_marker_claiming_more_frames_than_the_message_has_is_a_protocol_error()
    {
        var frame0 = MsgEncoder.EncodePlain(new MsgMap().Add("__Pickled__", 1L));
        var header = MsgEncoder.EncodePlain(new MsgMap().Add("pickled-obj", new byte[] { 0x80 }).Add("num-sub-frames", 2L));
        var e = Assert.Throws<ProtocolException>(() => MsgDecoder.Decode([frame0, header]));
        Assert.Contains("__Pickled__", e.Message);
    }

    [Fact]
    public void Deeply_nested_input_is_refused_without_overflowing_the_stack()
    {
        var deep = Enumerable.Repeat((byte)0x91, 100_000).Append((byte)0xc0).ToArray();
        Assert.Throws<ProtocolException>(() => MsgDecoder.Decode([deep]));
    }
}

public class Lz4ForwardingTests
{
    [Fact]
    public void Python_lz4_frames_from_the_capture_are_forwarded_as_is_or_decompressed_for_a_peer_without_lz4()
    {
        // e_dataframe: a worker's gather reply carries a pandas frame compressed by python-lz4.
        var (frames, ser) = Support.Captures.Read("e_dataframe")
            .Select(m => Support.Captures.SplitFrames(m.Wire))
            .Select(f => (f, msg: MsgDecoder.Decode(f)))
            .SelectMany(x => Find(x.msg).Select(s => (x.f, s)))
            .First(x => Lz4Frames.HasLz4(x.s));
        var tags = (IList<object?>)ser.Header["compression"]!;
        int i = tags.IndexOf("lz4");
        int declared = BitConverter.ToInt32(ser.Frames[i], 0);

        var asIs = MsgEncoder.EncodeFrames(new MsgMap().Add("data", ser));
        Assert.Same(ser.Frames[i], asIs[2 + i]);

        var plain = MsgEncoder.EncodeFrames(new MsgMap().Add("data", ser), peerAcceptsLz4: false);
        var back = Assert.IsType<Serialized>(((MsgMap)MsgDecoder.Decode(plain)!)["data"]);
        Assert.Equal(declared, back.Frames[i].Length);
        Assert.All((IList<object?>)back.Header["compression"]!, t => Assert.Null(t));
        // and our own lz4 writer round-trips through the same format
        Assert.Equal(back.Frames[i], Lz4Frames.Decompress(Lz4Frames.Compress(back.Frames[i])));
        _ = frames;
    }

    private static IEnumerable<Serialized> Find(object? v)
    {
        switch (v)
        {
            case Serialized s: yield return s; break;
            case MsgMap m: foreach (var (_, x) in m) foreach (var s in Find(x)) yield return s; break;
            case IList<object?> l: foreach (var x in l) foreach (var s in Find(x)) yield return s; break;
        }
    }
}
