using System.Diagnostics;
using System.Text.Json;
using Scheduler.Core.Pickle;
using Scheduler.Core.Protocol;

namespace Scheduler.Tests.Pickle;

/// <summary>Every kind of value the scheduler pickles is read back by Python's own pickle.loads.</summary>
public class PickleWriterTests
{
    /// <summary>Runs Python over hex-encoded pickles; returns repr(pickle.loads(p)) for each.</summary>
    private static List<string> PythonLoads(IEnumerable<byte[]> pickles, string expression = "repr(obj)")
    {
        var input = string.Join("\n", pickles.Select(Convert.ToHexString));
        var script = "import sys, pickle, json\nout=[]\nfor line in sys.stdin.read().split():\n    obj = pickle.loads(bytes.fromhex(line))\n    out.append(" + expression + ")\nprint(json.dumps(out))\n";
        var psi = new ProcessStartInfo("/usr/bin/python3", ["-c", script])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        p.StandardInput.Write(input);
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEnd();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, stderr);
        return JsonSerializer.Deserialize<List<string>>(stdout)!;
    }

    [Fact]
    public void Python_reads_every_value_kind_back_as_the_expected_object()
    {
        var cases = new (object? Value, string Repr)[]
        {
            (null, "None"), (true, "True"), (false, "False"),
            (0L, "0"), (255L, "255"), (256L, "256"), (-1L, "-1"), (int.MaxValue + 1L, "2147483648"), (long.MinValue, "-9223372036854775808"),
            (1.5, "1.5"), (-0.0, "-0.0"), (1e300, "1e+300"),
            ("abc", "'abc'"), (new string('x', 300), "'" + new string('x', 300) + "'"), ("é ü 日本", "'é ü 日本'"),
            (new byte[] { 1, 2, 3 }, "b'\\x01\\x02\\x03'"),
            (new PyTuple(), "()"), (new PyTuple("a"), "('a',)"), (new PyTuple("k", new PyTuple(1L, 1L), "empty"), "('k', (1, 1), 'empty')"),
            (new PyList(), "[]"), (new PyList("a", "b"), "['a', 'b']"),
            (new PyDict([new("how", "inner"), new("suffixes", new byte[] { 0x80 })]), "{'how': 'inner', 'suffixes': b'\\x80'}"),
            (new PyGlobal("_operator", "getitem"), "<built-in function getitem>"),
            (new PyGlobal("toolz.functoolz", "pipe"), null!),
            (new PySlice(0L, 10L, null), "slice(0, 10, None)"),
        };
        var got = PythonLoads(cases.Select(c => Pickler.Dumps(c.Value)));
        for (int i = 0; i < cases.Length; i++)
            if (cases[i].Repr != null) Assert.Equal(cases[i].Repr, got[i]);
        Assert.StartsWith("<function pipe", got[^2]);
    }

    [Fact]
    public void CallableLazyImport_and_KilledWorker_unpickle_to_the_dask_classes()
    {
        var got = PythonLoads(
            [Pickler.Dumps(Pickler.LazyImport("dask.dataframe.shuffle.shuffle_group")),
             SchedulerExceptions.KilledWorker("('x', 0)", "tcp://127.0.0.1:1", "w1", 3),
             SchedulerExceptions.Builtin("TimeoutError", "No valid workers found")],
            "type(obj).__module__ + '.' + type(obj).__name__ + '|' + str(getattr(obj, 'function_path', obj))");
        Assert.Equal("dask.layers.CallableLazyImport|dask.dataframe.shuffle.shuffle_group", got[0]);
        Assert.StartsWith("distributed.scheduler.KilledWorker|Attempted to run task ('x', 0) on 3 different workers", got[1]);
        Assert.Contains("tcp://127.0.0.1:1", got[1]);
        Assert.Equal("builtins.TimeoutError|No valid workers found", got[2]);
    }

    [Fact]
    public void Key_reprs_match_Python_for_strings_ints_floats_and_nested_tuples()
    {
        var rng = new Random(42);
        var doubles = new List<double> { 0.1, 0.09999999999999998, 0.9, 1e-4, 9.999e-5, 1e16, 1e15, 123456789012345678.0, 2.5e-7, 1.0, 100.0, -3.25, 5e-324, 1.7976931348623157e308 };
        for (int i = 0; i < 200; i++) doubles.Add(BitConverter.Int64BitsToDouble((long)(rng.NextDouble() * long.MaxValue)) * (rng.Next(2) == 0 ? 1 : -1));
        doubles.RemoveAll(d => double.IsNaN(d) || double.IsInfinity(d));
        var strings = new[] { "x-abc", "it's", "say \"hi\"", "both ' and \"", "tab\tnew\nline", "back\\slash", "\u0001ctl", "é", "\u2028", "🎉" };
        var values = new List<object?>();
        values.AddRange(doubles.Select(d => (object?)d));
        values.AddRange(strings);
        values.Add(new PyTuple("split-shuffle-0-c682", 1L, new PyTuple(0L, 1L)));
        values.Add(new PyTuple("getitem-b5b3", 0L, 0.9));
        values.Add(new PyTuple("len-agg"));
        var got = PythonLoads(values.Select(v => Pickler.Dumps(v)));
        for (int i = 0; i < values.Count; i++) Assert.Equal(got[i], PyRepr.Repr(values[i]));
    }

    [Fact]
    public void Collections_nest_client_objects_unchanged_and_pickle_the_rest()
    {
        var client = SerializedBuilder.Pickled("client-made");
        var built = SerializedBuilder.Tuple([new PyGlobal("toolz.functoolz", "pipe"), new PyList("('a', 0)", "('a', 1)"), client]);
        Assert.Equal(true, built.Header["is-collection"]);
        Assert.Equal(new object?[] { 1L, 1L, 1L }, built.Header["frame-lengths"]);
        Assert.Same(client.Frames[0], built.Frames[2]);
        // Round trip through Python's own deserializer of Serialized collections.
        var header = Convert.ToHexString(built.HeaderBytes);
        var frames = string.Join(",", built.Frames.Select(f => "bytes.fromhex('" + Convert.ToHexString(f) + "')"));
        var script = "import msgpack\nfrom distributed.protocol.serialize import merge_and_deserialize\n" +
                     $"h = msgpack.loads(bytes.fromhex('{header}'), use_list=False, strict_map_key=False)\n" +
                     $"obj = merge_and_deserialize(h, [{frames}])\nprint(repr(obj))\n";
        var psi = new ProcessStartInfo("/usr/bin/python3", ["-c", script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, err);
        Assert.Matches(@"^\(<function pipe at 0x[0-9a-f]+>, \[""\('a', 0\)"", ""\('a', 1\)""\], 'client-made'\)$", output.Trim());
    }
}
