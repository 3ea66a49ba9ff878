using Scheduler.Core.Protocol;
using Scheduler.Core.Protocol.Dialects;

namespace Scheduler.Tests.Protocol.Writing;

/// <summary>A message as its connection would put it on the wire: framed, its keys encoded for the dialect.</summary>
internal static class WireBytes
{
    public static byte[] Of(object? message, DaskDialect dialect) =>
        FrameWriter.ToBytes(MsgEncoder.EncodeFrames(message, peerAcceptsLz4: true, tupleKeys: dialect.TupleKeys));

    public static string[] Fields(MsgMap message) => message.Select(p => (string)p.Key!).ToArray();
}
