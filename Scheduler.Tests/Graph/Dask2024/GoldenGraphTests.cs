using System.Text.RegularExpressions;
using Scheduler.Core.Graph;
using Scheduler.Core.Graph.Dask2024;
using Scheduler.Core.Pickle.Symbolic;
using Scheduler.Core.Protocol;

namespace Scheduler.Tests.Graph.Dask2024;

/// <summary>Keys and dependencies of every captured 2024.12.1 graph equal Python's own materialisation (layers.txt).</summary>
public partial class GoldenGraphTests
{
    [GeneratedRegex(@"^  (.*?): (\w+) deps=\[([^\]]*)\]")]
    private static partial Regex TaskLine();

    [GeneratedRegex(@"'([^']*)'|""([^""]*)""")]
    private static partial Regex Quoted();

    /// <summary>layers.txt lists each key as Python's repr and each dependency as str(key): both to internal keys.</summary>
    public static Dictionary<string, HashSet<string>> Expected(string layersText)
    {
        var expected = new Dictionary<string, HashSet<string>>();
        foreach (var line in layersText.Split('\n'))
        {
            var m = TaskLine().Match(line);
            if (!m.Success) continue;
            var key = m.Groups[1].Value;
            if (key.StartsWith('\'')) key = key[1..^1];
            expected[key] = Quoted().Matches(m.Groups[3].Value).Select(q => q.Groups[1].Success ? q.Groups[1].Value : q.Groups[2].Value).ToHashSet();
        }
        return expected;
    }

    private static bool HasUnsupported(CapturedGraph g) => g.LayersText.Contains("dask.blockwise.Blockwise") || g.LayersText.Contains("dask.layers.");

    [Theory]
    [MemberData(nameof(Dask2024Captures.GraphCases), MemberType = typeof(Dask2024Captures))]
    public void Keys_and_dependencies_match_Python(string name)
    {
        var g = Dask2024Captures.Graph(name);
        var expected = Expected(g.LayersText);
        UnpackedGraph graph;
        if (HasUnsupported(g))
        {
            var e = Assert.Throws<UnsupportedLayerException>(() => Graph2024Reader.Read(g.Pickle, g.Buffers, PickleBounds.Default));
            Assert.Contains("This scheduler cannot expand the graph layer dask.layers.DataFrameTreeReduction of a Dask 2024.12 client yet.", e.Message);
            var partial = Graph2024Reader.ReadSupportedLayers(g.Pickle, g.Buffers, PickleBounds.Default);
            Assert.Equal(["dask.layers.DataFrameTreeReduction", "dask.blockwise.Blockwise"], partial.UnsupportedLayerClasses);
            graph = partial.Graph;
            expected = expected.Where(kv => graph.Tasks.ContainsKey(kv.Key)).ToDictionary();
            Assert.Equal(2, expected.Count); // the from_pandas partitions
        }
        else
        {
            graph = Graph2024Reader.Read(g.Pickle, g.Buffers, PickleBounds.Default);
        }
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), graph.Tasks.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, deps) in expected)
        {
            Assert.True(deps.SetEquals(graph.Dependencies[key]), $"{key}: expected [{string.Join(", ", deps)}], got [{string.Join(", ", graph.Dependencies[key])}]");
            var spec = Assert.IsType<Pickled>(graph.Tasks[key]);
            Assert.Equal(0x80, spec.Pickle[0]);
        }
    }

    [Fact]
    public void Layer_annotations_apply_to_the_layer_keys()
    {
        var g = Dask2024Captures.Graph("graph_03");
        var graph = Graph2024Reader.Read(g.Pickle, g.Buffers, PickleBounds.Default);
        var retries = graph.Annotations["retries"];
        Assert.Equal(3, retries.Count);
        Assert.All(retries, kv => Assert.StartsWith("add-", kv.Key));
        Assert.All(retries.Values, v => Assert.Equal(2L, v));
    }

    [Fact]
    public void Out_of_band_buffers_are_passed_through_by_reference()
    {
        var g = Dask2024Captures.Graph("graph_05");
        var graph = Graph2024Reader.ReadSupportedLayers(g.Pickle, g.Buffers, PickleBounds.Default).Graph;
        var frames = graph.Tasks.Values.Cast<Pickled>().SelectMany(p => p.Frames).ToList();
        Assert.Equal(4, frames.Count);
        Assert.All(frames, f => Assert.Contains(g.Buffers, b => ReferenceEquals(b, f)));
        Assert.Equal(4, frames.Distinct(ReferenceEqualityComparer.Instance).Count());
    }
}
