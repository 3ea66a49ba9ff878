using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Scheduler.Core.Graph;
using Scheduler.Core.Protocol;

namespace Scheduler.Tests.Graph;

/// <summary>
/// Our layer expansion against Dask's own: real collections are packed exactly as a Client packs them
/// (layer_oracle.py), Dask's scheduler-side unpacker is the oracle, and every key, dependency set, task
/// spec (compared after Python deserialises both) and annotation must match.
/// </summary>
public sealed class OracleFixture : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("layer-oracle-").FullName;
    public List<string> Cases { get; }

    public OracleFixture()
    {
        var output = LayerDifferentialTests.Python("pack", Dir);
        Cases = JsonSerializer.Deserialize<List<string>>(output.Trim().Split('\n')[^1])!;
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, true); } catch (IOException) { }
    }
}

public sealed class LayerDifferentialTests(OracleFixture oracle) : IClassFixture<OracleFixture>
{
    public static readonly string[] CaseNames =
    [
        "df_len", "df_groupby_mean", "df_filter", "shuffle_tasks", "shuffle_two_stage", "set_index", "hash_join",
        "bcast_inner", "bcast_left", "groupby_split_out", "groupby_split_out_noshuffle", "read_csv", "from_pandas_map",
        "arr_add_t_mean", "arr_matmul", "arr_drop_axis", "arr_overlap", "arr_ones_sum", "arr_tensordot",
    ];

    public static IEnumerable<object[]> Cases() => CaseNames.Select(c => new object[] { c });

    internal static string Python(string verb, string arg)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "Graph", "layer_oracle.py");
        var psi = new ProcessStartInfo("/usr/bin/python3", [script, verb, arg])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.Environment["PYTHONWARNINGS"] = "ignore";
        using var p = Process.Start(psi)!;
        var stdoutTask = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        var stdout = stdoutTask.Result;
        if (p.ExitCode != 0) throw new InvalidOperationException($"layer_oracle.py {verb} failed:\n{stderr}");
        return stdout;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Expansion_matches_Dasks_own_unpacker(string name)
    {
        Assert.Contains(name, oracle.Cases);
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(oracle.Dir, name + ".oracle.json")))!;
        var frames = ReadFrames(File.ReadAllBytes(Path.Combine(oracle.Dir, name + ".msg")));
        var msg = (MsgMap)MsgDecoder.Decode(frames)!;
        var graph = HlgUnpacker.Unpack((MsgMap)msg["hlg"]!);

        var tasks = expected["tasks"]!.AsObject();
        Assert.Equal(tasks.Select(t => t.Key).Order(StringComparer.Ordinal), graph.Tasks.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, t) in tasks)
        {
            var deps = t!["deps"]!.AsArray().Select(d => (string)d!).Order(StringComparer.Ordinal).ToArray();
            var ourDeps = (graph.Dependencies.GetValueOrDefault(key) ?? []).Order(StringComparer.Ordinal).ToArray();
            Assert.True(deps.SequenceEqual(ourDeps),
                $"{name}: dependencies of {key}: want [{string.Join(", ", deps)}], got [{string.Join(", ", graph.Dependencies.GetValueOrDefault(key) ?? [])}]");
        }

        // Task specs: Python deserialises ours and compares canonical forms with the oracle's.
        var dsk = new MsgMap();
        foreach (var (k, v) in graph.Tasks) dsk.Add(k, v);
        var ours = Path.Combine(oracle.Dir, name + ".ours");
        File.WriteAllBytes(ours, FrameWriter.ToBytes(MsgEncoder.EncodeFrames(new MsgMap().Add("dsk", dsk))));
        var canon = JsonNode.Parse(Python("canon", ours))!.AsObject();
        foreach (var (key, t) in tasks)
        {
            var want = t!["spec"]!.ToJsonString();
            var got = canon[key]!.ToJsonString();
            Assert.True(want == got, $"{name}: task {key}\n want {Trim(want)}\n got  {Trim(got)}");
        }

        var annotations = expected["annotations"]!.AsObject();
        foreach (var (a, perKey) in annotations)
            foreach (var (k, v) in perKey!.AsObject())
            {
                Assert.True(graph.Annotations.TryGetValue(a, out var ours2) && ours2.ContainsKey(k), $"{name}: annotation {a} missing for {k}");
                Assert.Equal(v!.ToJsonString(), JsonSerializer.Serialize(ours2[k] is long l ? l : ours2[k]));
            }
    }

    private static string Trim(string s) => s.Length > 600 ? s[..600] + "…" : s;

    private static byte[][] ReadFrames(byte[] wire)
    {
        var seq = new System.Buffers.ReadOnlySequence<byte>(wire);
        Assert.True(new FrameReader().TryRead(ref seq, out var frames));
        return frames;
    }
}
