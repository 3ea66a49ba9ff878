using Scheduler.Perf.Matrix;

namespace Scheduler.Tests.Perf;

/// <summary>The matrix's output: real files written, the hand-written prose around the results kept.</summary>
public sealed class ReportTests
{
    private static MatrixResults Sample() => new()
    {
        Commands = new() { ["python"] = "dask-scheduler --port {port}", ["ours"] = "Scheduler.Host --port {port}" },
        Cells =
        [
            new("python", "merge", 1000, 8, 10, 1000, 4.0, 3.0, 0),
            new("ours", "merge", 1000, 8, 10, 1000, 0.5, 0.6, 0),
            new("python", "merge", 10000, 8, 1, 10000, 4.0, 3.0, 0),
            new("ours", "merge", 10000, 8, 1, 10000, 0.4, 0.5, 0),
            new("python", "merge", 10000, 64, 1, 10000, 3.0, 2.9, 0),
            new("ours", "merge", 10000, 64, 1, 10000, 0.5, 0.6, 0),
        ],
        Idle = [new("python", 1000, 20, 2.0), new("ours", 1000, 20, 0.6)],
        Big =
        [
            new("python", "merge-100000", 100_000, 100L << 20, 600L << 20, 700L << 20, 30, 40, 35, 5000, 100, 900),
            new("ours", "merge-100000", 100_000, 100L << 20, 300L << 20, 400L << 20, 3, 4, 5, 400, 50, 900)
            {
                LiveHeapBefore = 10_000_000, LiveHeapHeld = 100_000_000,
            },
        ],
    };

    [Fact]
    public void Results_go_between_the_markers_and_the_prose_stays()
    {
        var dir = Directory.CreateTempSubdirectory("perf-report-").FullName;
        var md = Path.Combine(dir, "performance.md");
        File.WriteAllText(md, $"# Title\n\nprose before\n\n{Report.Begin}\nold results\n{Report.End}\n\nprose after\n");

        Report.Write(Sample(), md, "python", "ours");

        var text = File.ReadAllText(md);
        Assert.StartsWith("# Title\n\nprose before\n", text);
        Assert.EndsWith("prose after\n", text);
        Assert.DoesNotContain("old results", text);
        // merge-10000 on 8 workers: 2,500 against 25,000 tasks/s (10×); 300 against 50 µs CPU per task (6×).
        Assert.Contains("| merge-10000 | 8 | 2,500 | 25,000 | 10.0 | 300 | 50 | 6.0 |", text);
        Assert.Contains("| ours | 1000 | 20 s | 0.60 s | 3.00% |", text);
        // Held per task: resident memory for both, the live managed heap for the .NET one only.
        Assert.Contains("| python | merge-100000 | 5,243 B | n/a |", text);
        Assert.Contains("| ours | merge-100000 | 2,097 B | 900 B |", text);
        foreach (var png in new[] { "tasks-per-second-by-size.png", "tasks-per-second-by-workers.png" })
        {
            var bytes = File.ReadAllBytes(Path.Combine(dir, "performance", png));
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        }

        // The tables can be redrawn from the JSON the run left.
        File.WriteAllText(md, $"intro\n{Report.Begin}\n{Report.End}\n");
        Report.Rewrite(Path.Combine(dir, "performance", "results.json"), md, "python", "ours");
        Assert.Contains("| merge-1000 | 8 |", File.ReadAllText(md));
    }

    [Fact]
    public void The_live_heap_is_read_from_a_gcdump_report()
    {
        const string report = "    232,721,732  GC Heap bytes\n      1,687,463  GC Heap objects\n\n   Object Bytes     Count  Type\n";
        Assert.Equal(232_721_732L, ManagedHeap.ParseHeapBytes(report));
        Assert.Null(ManagedHeap.ParseHeapBytes("Process 12 is not a .NET process"));
        // A dump cut short at its object limit does not give the heap's size.
        Assert.Null(ManagedHeap.ParseHeapBytes("    563,783,975  GC Heap bytes\n     10,000,000  GC Heap objects\n"));
    }
}
