using Scheduler.Core.Protocol;
using Scheduler.Core.State;

namespace Scheduler.Tests.State;

/// <summary>set_metadata / get_metadata: nested paths, as test_client.py::test_metadata does it.</summary>
public class MetadataTests
{
    private static object? Reply(Harness h, string op, MsgMap msg) => Assert.Single(h.Rpc(op, msg).Commands.OfType<Reply>()).Written();

    [Fact]
    public void Values_are_stored_and_read_by_path_and_a_missing_path_is_a_KeyError_unless_a_default_is_given()
    {
        var h = new Harness();
        Reply(h, "set_metadata", new MsgMap().Add("keys", new object?[] { "x" }).Add("value", 1L));
        Assert.Equal(1L, Reply(h, "get_metadata", new MsgMap().Add("keys", new object?[] { "x" })));
        var notADict = (MsgMap)Reply(h, "get_metadata", new MsgMap().Add("keys", new object?[] { "x", "y" }).Add("default", null))!;
        Assert.Equal("TypeError: 'int' object is not subscriptable", notADict["exception_text"]);
        Reply(h, "set_metadata", new MsgMap().Add("keys", new object?[] { "x", "a" }).Add("value", 1L));
        Reply(h, "set_metadata", new MsgMap().Add("keys", new object?[] { "x", "b" }).Add("value", 2L));
        var x = (MsgMap)Reply(h, "get_metadata", new MsgMap().Add("keys", new object?[] { "x" }))!;
        Assert.Equal([("a", 1L), ("b", 2L)], x.Select(p => ((string)p.Key!, (long)p.Value!)));
        Reply(h, "set_metadata", new MsgMap().Add("keys", new object?[] { "x", "a", "c", "d" }).Add("value", 1L));
        Assert.Equal(1L, Reply(h, "get_metadata", new MsgMap().Add("keys", new object?[] { "x", "a", "c", "d" })));

        var missing = (MsgMap)Reply(h, "get_metadata", new MsgMap().Add("keys", new object?[] { "y" }).Add("default", "__no_default__"))!;
        Assert.Equal("KeyError: 'y'", missing["exception_text"]);
        Assert.Equal(7L, Reply(h, "get_metadata", new MsgMap().Add("keys", new object?[] { "y" }).Add("default", 7L)));
    }
}
