using Scheduler.Core.Protocol;
using Scheduler.Core.Protocol.Dialects;

namespace Scheduler.Tests.Protocol.Writing;

/// <summary>A message as its connection would put it on the wire: every frame, encoded for the dialect's keys.</summary>
internal static class WireBytes
{
    public static byte[] Of(MsgMap message, DaskDialect dialect) =>
        MsgEncoder.EncodeFrames(message, peerAcceptsLz4: true, tupleKeys: dialect.TupleKeys).SelectMany(f => f).ToArray();

    public static string[] Fields(MsgMap message) => message.Select(p => (string)p.Key!).ToArray();
}
