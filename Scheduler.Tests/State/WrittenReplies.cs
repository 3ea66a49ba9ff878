using Scheduler.Core.Protocol.Dialects;
using Scheduler.Core.State;

namespace Scheduler.Tests.State;

internal static class WrittenReplies
{
    /// <summary>
    /// The reply as the host writes it for the connection that asked, of <paramref name="dialect"/> (2022.12 by
    /// default): a typed reply through the dialect's writer, any other value as it is. Tests assert the wire's shape.
    /// </summary>
    public static object? Written(this Reply reply, DaskDialect? dialect = null) => reply.WrittenBy((dialect ?? DaskDialect.Dask2022).Writer);
}
