using System.Diagnostics;
using Scheduler.Core.Config;
using Scheduler.Core.Graph;
using Scheduler.Core.Protocol;
using Scheduler.Core.State;

// Usage: dotnet run -c Release --project bench/Scheduler.Bench [-- tasks [blockwise|order|submit|delayed2024]]
// Measures what a big graph costs the scheduler's one actor thread: expanding the layers, ordering the
// graph (dask.order), and the transitions that dispatch it, plus the memory each task keeps; and what a Dask
// 2024.12 client's pickled delayed graph costs the connection thread (read symbolically, linked, ordered).
int n = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
string only = args.Length > 1 ? args[1] : "";
Console.WriteLine($"graph size: {n} tasks; {Environment.ProcessorCount} cores; .NET {Environment.Version}");
var delayed2024 = only is "" or "delayed2024" ? Delayed2024.Load(n) : null;
for (int round = 0; round < 3; round++)
{
    Console.WriteLine($"-- round {round + 1}{(round == 0 ? " (includes JIT)" : "")}");
    if (only is "" or "blockwise") Measure("expand Blockwise (2-D, 2 inputs)", () => HlgUnpacker.Unpack(Graphs.Blockwise(n)));
    var hlg = Graphs.Materialized(n);
    if (only is "" or "order")
    {
        Measure("expand MaterializedLayer (reduction tree)", () => HlgUnpacker.Unpack(hlg));
        var tree = HlgUnpacker.Unpack(hlg);
        Measure("order (reduction tree)", () => GraphOrder.Order(tree.Tasks, tree.Dependencies));
    }
    if (only is "" or "submit")
    {
        // What the client's connection does (off the actor), then what the actor does with it.
        var msg = Graphs.UpdateGraphMessage(n);
        GraphPreparation? prepared = null;
        Measure("prepare: unpack + order (connection thread)", () => prepared = GraphPreparation.FromHlg(msg));
        Measure("update-graph-hlg on the actor (tasks + dispatch)", () => Graphs.Submit(msg, prepared), retained: true);
    }
    if (delayed2024 != null) Delayed2024.Run(delayed2024, Measure);
}

static void Measure(string what, Func<object> run, bool retained = false)
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
    long before = GC.GetTotalMemory(true);
    long alloc0 = GC.GetAllocatedBytesForCurrentThread();
    var pause0 = GC.GetTotalPauseDuration();
    int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
    // CPU time too: on a shared machine the wall clock also counts other processes' turns.
    var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
    var sw = Stopwatch.StartNew();
    var result = run();
    sw.Stop();
    var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
    long alloc = GC.GetAllocatedBytesForCurrentThread() - alloc0;
    var pause = GC.GetTotalPauseDuration() - pause0;
    string gcs = $"GCs {GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2} (gen0/1/2), paused {pause.TotalMilliseconds:F0} ms";
    string kept = "";
    if (retained)
    {
        long after = GC.GetTotalMemory(true);
        kept = $", kept {(after - before) / 1024.0 / 1024.0:F1} MiB";
    }
    Console.WriteLine($"{what,-48} {sw.Elapsed.TotalMilliseconds,8:F1} ms (cpu {cpu.TotalMilliseconds,6:F0} ms), allocated {alloc / 1024.0 / 1024.0,7:F1} MiB{kept}; {gcs}");
    GC.KeepAlive(result);
}

static class Graphs
{
    private static readonly byte[] Function = [0x80, 4, 0x8c, 3, (byte)'i', (byte)'n', (byte)'c', 0x2e];
    private static readonly byte[] Args = [0x80, 4, 0x29, 0x2e];

    /// <summary>A binary reduction tree of n tasks as one MaterializedLayer (what delayed sends).</summary>
    public static MsgMap Materialized(int n)
    {
        var dsk = new MsgMap(n);
        var deps = new MsgMap(n);
        for (int i = 0; i < n; i++)
        {
            var key = $"('tree-{(i < n / 2 ? "leaf" : "node")}', {i})";
            dsk.Add(key, new MsgMap().Add("function", Function).Add("args", Args));
            var d = new List<object?>();
            int left = 2 * (i - n / 2), right = left + 1;
            if (i >= n / 2 && left >= 0 && left < n) d.Add($"('tree-{(left < n / 2 ? "leaf" : "node")}', {left})");
            if (i >= n / 2 && right >= 0 && right < n) d.Add($"('tree-{(right < n / 2 ? "leaf" : "node")}', {right})");
            deps.Add(key, MsgValues.ToSet(d));
        }
        var layer = new MsgMap().Add("__module__", "dask.highlevelgraph").Add("__name__", "MaterializedLayer")
            .Add("state", new MsgMap().Add("dsk", dsk).Add("dependencies", deps)).Add("annotations", new MsgMap());
        return new MsgMap().Add("layers", new object?[] { layer });
    }

    /// <summary>z_ij = f(x_ij, y_ji) over a sqrt(n) x sqrt(n) block grid, as dask.array sends with fusion off.</summary>
    public static MsgMap Blockwise(int n)
    {
        long side = (long)Math.Sqrt(n);
        var state = new MsgMap()
            .Add("output", "z-abc").Add("output_indices", new object?[] { ".0", ".1" })
            .Add("func", Function).Add("func_future_args", Array.Empty<object?>())
            .Add("global_dependencies", MsgValues.ToSet([]))
            .Add("indices", new object?[] { "x-abc", new object?[] { ".0", ".1" }, "y-abc", new object?[] { ".1", ".0" } })
            .Add("is_list", new object?[] { false, false, false, false })
            .Add("numblocks", new MsgMap().Add("x-abc", new object?[] { side, side }).Add("y-abc", new object?[] { side, side }))
            .Add("concatenate", null).Add("new_axes", new MsgMap()).Add("output_blocks", null)
            .Add("dims", new MsgMap().Add(".0", side).Add(".1", side)).Add("io_deps", new MsgMap());
        var layer = new MsgMap().Add("__module__", "dask.blockwise").Add("__name__", "Blockwise").Add("state", state).Add("annotations", new MsgMap());
        return new MsgMap().Add("layers", new object?[] { layer });
    }

    public static MsgMap UpdateGraphMessage(int n) =>
        new MsgMap().Add("hlg", Materialized(n)).Add("keys", new object?[] { $"('tree-node', {n - 1})" })
            .Add("priority", null).Add("fifo_timeout", "60s").Add("actors", false);

    /// <summary>The update-graph-hlg stimulus on a state with two running workers.</summary>
    public static SchedulerState Submit(MsgMap msg, GraphPreparation? prepared)
    {
        var state = new SchedulerState(new SchedulerConfig(), new SchedulerIdentity("bench", 0));
        double t = 1;
        foreach (var w in new[] { "tcp://127.0.0.1:1", "tcp://127.0.0.1:2" })
        {
            state.Handle(new WorkerConnected(1, new MsgMap().Add("address", w).Add("name", w).Add("nthreads", 2L).Add("nbytes", new MsgMap())) { Time = t++ });
            state.Handle(new WorkerStreamOp(w, "worker-status-change", new MsgMap().Add("status", "running")) { Time = t++ });
        }
        state.Handle(new ClientConnected(2, "Client-bench", new MsgMap()) { Time = t++ });
        var commands = state.Handle(new ClientStreamOp("Client-bench", "update-graph-hlg", msg) { Time = t++, Preparation = prepared });
        // A big graph's first transitions go in slices: the actor would post these turns itself.
        while (commands.Any(c => c is ContinueLater)) commands = state.Handle(new ContinueGraph { Time = t });
        return state;
    }
}
