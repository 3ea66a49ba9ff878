using Scheduler.Core.Messages.Outgoing;
using Scheduler.Core.Pickle;
using Scheduler.Core.Protocol;
using Scheduler.Core.Protocol.Dialects;
using Scheduler.Core.State;

namespace Scheduler.Tests.Protocol.Writing;

/// <summary>
/// The RPC replies as both versions read them. Each expected value is built as the state built it before replies were
/// records (keys through <see cref="TaskKeys.ToWire"/>, whatever the asker's dialect), and the bytes each dialect's
/// writer makes are compared with it, framed as the asker's connection frames them.
/// </summary>
public class ReplyWritingTests
{
    private static readonly DaskDialect[] Dialects = [DaskDialect.Dask2022, DaskDialect.Dask2024];

    /// <summary>Keys of every kind: plain, a tuple, bytes, an int.</summary>
    private static readonly string[] Keys = ["x", "('x', 0)", TaskKeys.FromWire(new byte[] { 0x61, 0xff })!, TaskKeys.IntKey(5)];

    private static void AssertWrittenAsBefore(RpcReply reply, object? before)
    {
        foreach (var dialect in Dialects)
            Assert.Equal(WireBytes.Of(before, dialect), WireBytes.Of(dialect.Writer.Write(reply), dialect));
    }

    private static object?[] WireKeys(IEnumerable<string> keys) => keys.Select(TaskKeys.ToWire).ToArray<object?>();

    [Theory]
    [InlineData("KeyError: 'x'")]
    [InlineData("TimeoutError: ")]
    [InlineData("ValueError: Can not use replicate to delete data")]
    [InlineData("scatter without a data map")]
    [InlineData("CustomError: not a builtin")]
    public void An_error_is_Dasks_error_message_with_a_builtin_pickled_and_other_text_as_it_is(string text)
    {
        int colon = text.IndexOf(": ", StringComparison.Ordinal);
        object exception = colon > 0 && text[..colon] is "TimeoutError" or "KeyError" or "ValueError"
            ? SchedulerExceptions.Builtin(text[..colon], text[(colon + 2)..])
            : text;
        AssertWrittenAsBefore(new ErrorReply(text), new MsgMap()
            .Add("status", "uncaught-error").Add("exception", exception).Add("traceback", null)
            .Add("exception_text", text).Add("traceback_text", ""));
    }
}
