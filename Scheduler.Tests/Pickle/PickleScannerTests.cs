using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Scheduler.Core.Pickle;
using Scheduler.Tests.Support;

namespace Scheduler.Tests.Pickle;

/// <summary>
/// The scanner reads Python's own pickles of every protocol (made by scan_cases.py) into the values they
/// describe, and describes calls without making them.
/// </summary>
public class PickleScannerTests
{
    public static TheoryData<string, string, int> Cases()
    {
        var data = new TheoryData<string, string, int>();
        foreach (var line in Python.Run(Python.Script("Pickle", "scan_cases.py")).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var node = JsonNode.Parse(line)!;
            data.Add(node["hex"]!.GetValue<string>(), node["want"]?.ToJsonString() ?? "null", node["protocol"]!.GetValue<int>());
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Scans_pythons_pickles_into_the_values_they_describe(string hex, string want, int protocol)
    {
        var scan = PickleScanner.Scan(Convert.FromHexString(hex));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(want), Describe(scan.Value)), $"protocol {protocol}: want {want}, got {Describe(scan.Value)?.ToJsonString()}");
    }

    [Fact]
    public void A_call_is_described_never_made()
    {
        // pickle of: class Evil: __reduce__ = lambda self: (os.system, ("touch <marker>",))
        var marker = Path.Combine(Path.GetTempPath(), "pickle-scan-" + Guid.NewGuid().ToString("N"));
        var hex = Python.Run("-c", [$"import os, pickle\nclass E:\n    def __reduce__(self): return (os.system, ('touch {marker}',))\nprint(pickle.dumps(E()).hex())"]);
        var scan = PickleScanner.Scan(Convert.FromHexString(hex.Trim()));
        var call = Assert.IsType<PickledCall>(scan.Value);
        Assert.True(call.Calls("posix", "system") || call.Calls("os", "system"));
        Assert.Equal("touch " + marker, Assert.Single(call.ArgList));
        Assert.Single(scan.Calls);
        Assert.False(File.Exists(marker));
    }

    [Theory]
    [InlineData("")]
    [InlineData("8004")] // no STOP
    [InlineData("80044e4e2e")] // two values left at STOP
    [InlineData("800468052e")] // memo 5 never stored
    [InlineData("8004ff2e")] // unknown opcode
    [InlineData("80048c0561")] // truncated string
    [InlineData("800461")] // APPEND on an empty stack
    [InlineData("80044e612e")] // APPEND on None
    public void Rejects_what_is_not_a_pickle(string hex)
    {
        Assert.Throws<PickleScanException>(() => PickleScanner.Scan(Convert.FromHexString(hex)));
    }

    /// <summary>The description scan_cases.py gives a value, from what the scanner made of its pickle.</summary>
    private static JsonNode? Describe(object? v) => v switch
    {
        null => null,
        bool b => JsonValue.Create(b),
        string s => new JsonArray("s", s),
        long l => new JsonArray("i", l.ToString(CultureInfo.InvariantCulture)),
        BigInteger n => new JsonArray("i", n.ToString(CultureInfo.InvariantCulture)),
        double d => new JsonArray("f", PyRepr.Repr(d)),
        byte[] bytes => new JsonArray("b", Convert.ToHexString(bytes).ToLowerInvariant()),
        PyTuple t => Array("t", t.Items),
        PickledList l => Array("l", l),
        PickledDict d => Array("d", d.Select(kv => (object?)new PyTuple(kv.Key, kv.Value)), pairs: true),
        PickledSet s => Array("set", s.Items),
        // Protocols 0-2 pickle bytes as _codecs.encode(latin1 text, "latin1") and b"" as bytes().
        PickledCall c when c.Calls("_codecs", "encode") && c.ArgList is [string text, "latin1"] => Describe(Encoding.Latin1.GetBytes(text)),
        PickledCall c when (c.Calls("__builtin__", "bytes") || c.Calls("builtins", "bytes")) && c.ArgList.Length == 0 => Describe(System.Array.Empty<byte>()),
        _ => JsonValue.Create("unexpected " + v.GetType().Name),
    };

    private static JsonArray Array(string tag, IEnumerable<object?> items, bool pairs = false)
    {
        var a = new JsonArray(tag);
        foreach (var x in items)
            a.Add(pairs && x is PyTuple p ? new JsonArray(Describe(p.Items[0]), Describe(p.Items[1])) : Describe(x));
        return a;
    }
}
