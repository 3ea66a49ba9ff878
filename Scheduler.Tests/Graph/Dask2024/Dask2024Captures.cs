namespace Scheduler.Tests.Graph.Dask2024;

/// <summary>One captured Dask 2024.12.1 update-graph payload: the HLG pickle and its out-of-band buffers.</summary>
public sealed record CapturedGraph(string Name, byte[] Pickle, byte[][] Buffers, string LayersText);

/// <summary>The real 2024.12.1 traffic in ../shared/protocol/dask-2024/captures (graph_NN.*, runspec_NNN.pkl).</summary>
public static class Dask2024Captures
{
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "protocol", "dask-2024", "captures");
                if (Directory.Exists(candidate)) return candidate;
            }
            throw new DirectoryNotFoundException("shared/protocol/dask-2024/captures not found above " + AppContext.BaseDirectory);
        }
    }

    public static IEnumerable<string> GraphNames() =>
        Directory.GetFiles(Root, "graph_*.frame0.bin").Select(f => Path.GetFileName(f)[..^".frame0.bin".Length]).Order(StringComparer.Ordinal);

    public static CapturedGraph Graph(string name)
    {
        var buffers = new List<byte[]>();
        for (int k = 1; File.Exists(Path.Combine(Root, $"{name}.frame{k}.bin")); k++)
            buffers.Add(File.ReadAllBytes(Path.Combine(Root, $"{name}.frame{k}.bin")));
        return new CapturedGraph(name, File.ReadAllBytes(Path.Combine(Root, name + ".frame0.bin")), [.. buffers],
            File.ReadAllText(Path.Combine(Root, name + ".layers.txt")));
    }

    public static IEnumerable<string> RunSpecFiles() => Directory.GetFiles(Root, "runspec_*.pkl").Order(StringComparer.Ordinal);

    public static IEnumerable<object[]> GraphCases() => GraphNames().Select(n => new object[] { n });

    /// <summary>Every pickle captured: graph frames and the run_specs the Python scheduler sent.</summary>
    public static IEnumerable<(string Name, byte[] Pickle)> AllPickles() =>
        GraphNames().Select(n => (n, File.ReadAllBytes(Path.Combine(Root, n + ".frame0.bin"))))
            .Concat(RunSpecFiles().Select(f => (Path.GetFileName(f), File.ReadAllBytes(f))));
}
