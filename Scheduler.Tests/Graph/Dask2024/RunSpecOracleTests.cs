using System.Text.Json;
using Scheduler.Core.Graph.Dask2024;
using Scheduler.Core.Pickle.Symbolic;
using Scheduler.Core.Protocol;
using Scheduler.Tests.Support;
using Xunit.Abstractions;

namespace Scheduler.Tests.Graph.Dask2024;

/// <summary>
/// Python 2024.12.1 is the oracle for every run_spec we emit. Graphs packed as a 2024.12.1 client packs them
/// (runspec_oracle.py pack: delayed, arrays and bags with default optimisation, numpy buffers out of band) and the
/// captured graphs of ../shared are read by our reader; each task's re-emitted pickle is then unpickled by Python in
/// the Debian 13 chroot and compared with the scheduler's own materialisation (<c>_materialize_graph</c>): type, key,
/// dependencies (the run_spec's and ours) and dask token, and the key sets must be equal. The run_specs Python's
/// scheduler sent to its worker for the captured graphs (runspec_NNN.pkl) are compared with ours for the same keys.
/// </summary>
[Collection("dask2024")]
public sealed class RunSpecOracleTests(ITestOutputHelper output)
{
    private static readonly string Script = Path.Combine(AppContext.BaseDirectory, "Graph", "Dask2024", "runspec_oracle.py");

    [TrixieFact]
    public async Task Every_emitted_run_spec_equals_Pythons_materialisation()
    {
        using var dir = Trixie.CreateDir("runspec-oracle");
        var script = dir.CopyIn(Script);
        var packed = await Trixie.RunAsync(["/usr/bin/python3", script, "pack", dir.Inside], TimeSpan.FromMinutes(3));
        Assert.True(packed.Succeeded, packed.ToString());
        foreach (var name in Dask2024Captures.GraphNames())
        {
            var g = Dask2024Captures.Graph(name);
            File.WriteAllBytes(Path.Combine(dir.HostPath, $"capture_{name}.frame0.bin"), g.Pickle);
            for (int k = 0; k < g.Buffers.Length; k++)
                File.WriteAllBytes(Path.Combine(dir.HostPath, $"capture_{name}.frame{k + 1}.bin"), g.Buffers[k]);
        }

        Directory.CreateDirectory(Path.Combine(dir.HostPath, "runspecs"));
        var pythonRunSpecs = Dask2024Captures.RunSpecFiles().ToList();
        foreach (var f in pythonRunSpecs) File.Copy(f, Path.Combine(dir.HostPath, "runspecs", Path.GetFileName(f)));

        var graphs = Directory.GetFiles(dir.HostPath, "*.frame0.bin").Select(f => Path.GetFileName(f)[..^".frame0.bin".Length])
            .Order(StringComparer.Ordinal).ToList();
        Assert.True(graphs.Count >= 10 + Dask2024Captures.GraphNames().Count(), string.Join(", ", graphs));
        var ours = new Dictionary<string, (int Tasks, bool Complete)>();
        foreach (var name in graphs) ours[name] = WriteOurs(dir.HostPath, name);

        var checkedRun = await Trixie.RunAsync(["/usr/bin/python3", script, "check", dir.Inside], TimeSpan.FromMinutes(3));
        Assert.True(checkedRun.Succeeded, checkedRun.ToString());
        output.WriteLine(checkedRun.Stdout);
        var reports = Reports(checkedRun.Stdout);
        var sent = reports["python_run_specs"];
        reports.Remove("python_run_specs");
        Assert.Equal(graphs, reports.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, (tasks, complete)) in ours)
        {
            var r = reports[name];
            Assert.True(r.GetProperty("mismatch_count").GetInt32() == 0,
                $"{name}: {string.Join("\n", r.GetProperty("mismatches").EnumerateArray().Select(m => m.GetString()))}");
            Assert.Equal(tasks, r.GetProperty("checked").GetInt32());
            Assert.True(tasks > 0, name);
            if (complete) Assert.Equal(r.GetProperty("python_tasks").GetInt32(), tasks);
        }
        // What Python's scheduler sent to its worker for the captured graphs equals what we send for those keys.
        Assert.True(sent.GetProperty("mismatch_count").GetInt32() == 0,
            string.Join("\n", sent.GetProperty("mismatches").EnumerateArray().Select(m => m.GetString())));
        Assert.Equal(pythonRunSpecs.Count, sent.GetProperty("checked").GetInt32() + sent.GetProperty("unloadable").GetInt32()
            + sent.GetProperty("not_ours").GetInt32());
        Assert.True(sent.GetProperty("checked").GetInt32() >= pythonRunSpecs.Count / 2, sent.ToString());

        // the one capture with layers we do not expand yet (Blockwise, DataFrameTreeReduction) is compared in part
        Assert.Single(ours, kv => !kv.Value.Complete);

        // The oracle must see a wrong run_spec: give one graph's first two tasks each other's pickles.
        var victim = Path.Combine(dir.HostPath, "delayed_chain.ours.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(victim))!;
        var pair = json["tasks"]!.AsObject().Take(2).Select(kv => kv.Value!).ToList();
        (pair[0]["pickle"], pair[1]["pickle"]) = (pair[1]["pickle"]!.DeepClone(), pair[0]["pickle"]!.DeepClone());
        foreach (var f in Directory.GetFiles(dir.HostPath, "*.ours.json").Where(f => f != victim)) File.Delete(f);
        Directory.Delete(Path.Combine(dir.HostPath, "runspecs"), recursive: true);
        File.WriteAllText(victim, json.ToJsonString());
        var tampered = await Trixie.RunAsync(["/usr/bin/python3", script, "check", dir.Inside], TimeSpan.FromMinutes(3));
        Assert.True(tampered.Succeeded, tampered.ToString());
        var report = Assert.Single(Reports(tampered.Stdout)).Value;
        Assert.True(report.GetProperty("mismatch_count").GetInt32() >= 2, tampered.Stdout);
    }

    private static Dictionary<string, JsonElement> Reports(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement).ToDictionary(r => r.GetProperty("graph").GetString()!);

    /// <summary>Reads one graph as the scheduler does and writes each task's run_spec and buffers for the oracle.</summary>
    private static (int Tasks, bool Complete) WriteOurs(string dir, string name)
    {
        var frames = new List<byte[]>();
        for (int k = 0; File.Exists(Path.Combine(dir, $"{name}.frame{k}.bin")); k++)
            frames.Add(File.ReadAllBytes(Path.Combine(dir, $"{name}.frame{k}.bin")));
        var read = Graph2024Reader.ReadSupportedLayers(frames[0], frames.Skip(1).ToList(), PickleBounds.Default);
        var tasks = new Dictionary<string, object>();
        int i = 0;
        foreach (var (key, spec) in read.Graph.Tasks)
        {
            var pickled = Assert.IsType<Pickled>(spec);
            var stem = $"{name}.ours.{i++}";
            File.WriteAllBytes(Path.Combine(dir, stem + ".pkl"), pickled.Pickle);
            var buffers = new List<string>();
            for (int j = 0; j < pickled.Frames.Length; j++)
            {
                File.WriteAllBytes(Path.Combine(dir, $"{stem}.b{j}"), pickled.Frames[j]);
                buffers.Add($"{stem}.b{j}");
            }
            tasks[key] = new { pickle = stem + ".pkl", buffers, dependencies = read.Graph.Dependencies[key].Order(StringComparer.Ordinal) };
        }
        bool complete = read.UnsupportedLayerClasses.Count == 0;
        File.WriteAllText(Path.Combine(dir, name + ".ours.json"), JsonSerializer.Serialize(new { tasks, complete }));
        return (tasks.Count, complete);
    }
}
