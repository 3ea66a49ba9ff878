using System.Text.Json;
using Scheduler.Core.Diagnostics;
using Scheduler.Core.Protocol;
using Scheduler.Tests.Support;

namespace Scheduler.Tests.Diagnostics;

/// <summary>
/// The feed messages of real distributed progress bars (captured from the installed package by
/// capture_feeds.py) are recognised from their pickles' opcodes alone; anything else is refused with a reason.
/// </summary>
public sealed class FeedCaptures
{
    public Dictionary<string, MsgMap> Messages { get; } = [];

    public FeedCaptures()
    {
        var json = Python.Run(Python.Script("Diagnostics", "capture_feeds.py"));
        foreach (var (name, msg) in JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, JsonElement>>>(json)!)
        {
            var m = new MsgMap();
            foreach (var (k, v) in msg)
                m.Add(k, k is "setup" or "function" ? Convert.FromHexString(v.GetString()!)
                    : v.ValueKind == JsonValueKind.Number ? v.GetDouble() : v.GetString());
            Messages[name] = m;
        }
    }
}

public class ProgressFeedRecognizerTests(FeedCaptures captures) : IClassFixture<FeedCaptures>
{
    private static readonly string[] Keys = ["inc-abc", "('x-123', 0, 1)", "('x-123', 0, 2)", "\uE000bytes-key"];

    [Fact]
    public void ProgressBar_is_recognised_with_its_keys_tuple_keys_as_dask_stringifies_them()
    {
        var spec = ProgressFeedRecognizer.Recognize(captures.Messages["single"]);
        Assert.False(spec.Multi);
        Assert.True(spec.Complete);
        Assert.Equal(0.1, spec.Interval, 6);
        Assert.Equal(Keys.Order(StringComparer.Ordinal), spec.Keys.Order(StringComparer.Ordinal)); // bytes keys in the state's form
    }

    [Fact]
    public void TextProgressBar_without_complete_is_recognised()
    {
        var spec = ProgressFeedRecognizer.Recognize(captures.Messages["text_incomplete"]);
        Assert.False(spec.Multi);
        Assert.False(spec.Complete);
    }

    [Fact]
    public void MultiProgressBar_with_key_split_is_recognised()
    {
        var spec = ProgressFeedRecognizer.Recognize(captures.Messages["multi"]);
        Assert.True(spec.Multi);
        Assert.True(spec.Complete);
        Assert.Equal(0.1, spec.Interval, 6); // "100ms"
        Assert.Equal(4, spec.Keys.Count);
    }

    [Fact]
    public void MultiProgressBar_with_a_custom_func_is_refused_in_the_multi_bar_shape()
    {
        var e = Assert.Throws<FeedRefusedException>(() => ProgressFeedRecognizer.Recognize(captures.Messages["multi_lambda"]));
        Assert.True(e.Multi);
        Assert.Contains("custom function", e.Message);
        Assert.Contains("never unpickles", e.Message);
    }

    [Theory]
    [InlineData("other", "setup")]
    [InlineData("other_setup", "not a cloudpickled function")]
    public void Other_feeds_are_refused_saying_why(string name, string why)
    {
        var e = Assert.Throws<FeedRefusedException>(() => ProgressFeedRecognizer.Recognize(captures.Messages[name]));
        Assert.Null(e.Multi);
        Assert.Contains(why, e.Message);
    }

    [Fact]
    public void Garbage_and_a_teardown_are_refused()
    {
        var good = captures.Messages["single"];
        var garbage = new MsgMap().Add("op", "feed").Add("setup", new byte[] { 0x80, 5, 0xff }).Add("function", good["function"]);
        Assert.Contains("not a readable pickle", Assert.Throws<FeedRefusedException>(() => ProgressFeedRecognizer.Recognize(garbage)).Message);
        var teardown = new MsgMap().Add("op", "feed").Add("setup", good["setup"]).Add("function", good["function"]).Add("teardown", good["setup"]);
        Assert.Contains("teardown", Assert.Throws<FeedRefusedException>(() => ProgressFeedRecognizer.Recognize(teardown)).Message);
    }
}
