using System.Globalization;
using Scheduler.Perf.Graphs;
using Scheduler.Perf.Matrix;
using Scheduler.Perf.Workers;

// scheduler-perf: zero-work workers, a graph submitter and the benchmark matrix (docs/performance.md).
const string Usage = """
usage:
  scheduler-perf workers <scheduler-address> [--count 8] [--nthreads 1]
      run zero-work workers until interrupted
  scheduler-perf submit <scheduler-address> [--graph merge-10000] [--repeat 1] [--workers 1]
      submit a generated graph (merge, tree, chain, fan, map, random) and wait for its result
  scheduler-perf matrix [--ours CMD] [--python CMD] [--shapes merge,tree,chain@1000] [--sizes 1000,10000]
                        [--workers 1,8] [--min-tasks 20000] [--idle-workers 1000] [--idle-seconds 20]
                        [--big 1000000] [--big-python 1000000] [--big-workers 8] [--out docs/performance.md]
      run the matrix against both schedulers ("none" skips one) and write the results
  scheduler-perf held [--graph merge-1000000]
      live bytes per task the scheduler state keeps for a graph taken in with no workers (in this process)
  scheduler-perf report [--from docs/performance/results.json] [--out docs/performance.md]
      rewrite the tables and plots from the results of an earlier matrix run
  scheduler-perf dashboard-cost [--ours CMD] [--graphs tree-100000,merge-100000,map-100000] [--pairs 6]
                                [--workers 8] [--chromium /usr/bin/chromium]
      scheduler CPU per task with and without a browser on /status, alternating in one scheduler process
""";

if (args.Length == 0 || args[0] is "-h" or "--help") { Console.WriteLine(Usage); return 0; }
var opts = Options(args.Skip(1));
using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
var ct = cts.Token;

switch (args[0])
{
    case "workers":
    {
        string address = Positional(args);
        await using var pool = await ZeroWorkerPool.StartAsync(address, Int("count", 8), Int("nthreads", 1), ct);
        Console.WriteLine($"{pool.Workers.Count} zero workers connected to {address}");
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(5000, ct);
                Console.WriteLine($"{pool.Finished} tasks finished; {pool.Workers.Count(w => w.Stopped == null)} workers connected");
                if (pool.Workers.All(w => w.Stopped != null)) return 1;
            }
        }
        catch (OperationCanceledException) { }
        return 0;
    }
    case "submit":
    {
        string address = Positional(args);
        var graph = GraphShapes.Parse(opts.GetValueOrDefault("graph", "merge-10000"));
        await using var client = await GraphClient.ConnectAsync(address, ct);
        await client.WaitForWorkersAsync(Int("workers", 1), TimeSpan.FromSeconds(60), ct);
        int failed = 0;
        for (int i = 0; i < Int("repeat", 1); i++)
        {
            var r = await client.SubmitAsync(graph, ct);
            failed += r.Erred;
            Console.WriteLine($"{r.Graph}: {r.Tasks} tasks in {r.Wall.TotalSeconds:F3} s ({r.TasksPerSecond:N0} tasks/s; " +
                              $"encoding took {r.Encode.TotalMilliseconds:F0} ms){(r.Erred > 0 ? $", {r.Erred} wanted keys erred" : "")}");
        }
        return failed == 0 ? 0 : 1;
    }
    case "matrix":
    {
        var schedulers = new Dictionary<string, string>();
        var python = opts.GetValueOrDefault("python", "dask-scheduler --host 127.0.0.1 --port {port} --no-dashboard");
        var ours = opts.GetValueOrDefault("ours", "artifacts/scheduler/Scheduler.Host --host 127.0.0.1 --port {port} --dashboard-address 127.0.0.1:{http}");
        if (python != "none") schedulers["python"] = python;
        if (ours != "none") schedulers["ours"] = ResolveExecutable(ours);
        var bigPer = new Dictionary<string, int>();
        if (opts.ContainsKey("big-python")) bigPer["python"] = Int("big-python", 0);
        var options = new MatrixOptions(schedulers,
            List("shapes", "merge,tree,map,fan,random,chain@1000"), Ints("sizes", "1000,10000,100000"), Ints("workers", "1,8,64"),
            Int("min-tasks", 20000), Int("idle-workers", 1000), Int("idle-seconds", 20),
            Int("big", 1_000_000), bigPer, Int("big-workers", 8));
        var output = opts.GetValueOrDefault("out", "docs/performance.md");
        await new MatrixRunner(options, Console.Out, r => Report.Write(r, output, "python", "ours")).RunAsync(ct);
        Console.WriteLine($"wrote {output}");
        return 0;
    }
    case "held":
    {
        var spec = opts.GetValueOrDefault("graph", "merge-1000000");
        var (perTask, state) = StateMemory.Measure(spec);
        Console.WriteLine($"{spec}: {perTask:F0} B per task held by the scheduler state ({state.Tasks.Count} tasks, {state.Queued.Count} queued)");
        return 0;
    }
    case "report":
    {
        var output = opts.GetValueOrDefault("out", "docs/performance.md");
        var from = opts.GetValueOrDefault("from", Path.Combine(Path.GetDirectoryName(Path.GetFullPath(output))!, "performance", "results.json"));
        Report.Rewrite(from, output, "python", "ours");
        Console.WriteLine($"wrote {output}");
        return 0;
    }
    case "dashboard-cost":
    {
        var ours = ResolveExecutable(opts.GetValueOrDefault("ours",
            "artifacts/scheduler/Scheduler.Host --host 127.0.0.1 --port {port} --dashboard-address 127.0.0.1:{http}"));
        var cost = new DashboardCost(ours, opts.GetValueOrDefault("chromium", "/usr/bin/chromium"),
            List("graphs", "tree-100000,merge-100000,map-100000"), Int("pairs", 6), Int("workers", 8), Console.Out);
        Console.Write(DashboardCost.Markdown(await cost.RunAsync(ct)));
        return 0;
    }
    default:
        Console.Error.WriteLine(Usage);
        return 2;
}

static Dictionary<string, string> Options(IEnumerable<string> rest)
{
    var d = new Dictionary<string, string>();
    var list = rest.ToList();
    for (int i = 0; i < list.Count; i++)
        if (list[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < list.Count) d[list[i][2..]] = list[++i];
    return d;
}

string Positional(string[] a) => a.Length > 1 && !a[1].StartsWith("--", StringComparison.Ordinal)
    ? a[1] : throw new ArgumentException("the scheduler's address (tcp://host:port) comes first");

int Int(string name, int fallback) => opts.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
string[] List(string name, string fallback) => opts.GetValueOrDefault(name, fallback).Split(',', StringSplitOptions.RemoveEmptyEntries);
int[] Ints(string name, string fallback) => List(name, fallback).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();

// A relative executable is resolved against the current directory, since each scheduler runs in a scratch directory.
static string ResolveExecutable(string command)
{
    var first = command.Split(' ', 2);
    return first[0].Contains('/') && !Path.IsPathRooted(first[0]) && File.Exists(first[0])
        ? Path.GetFullPath(first[0]) + (first.Length > 1 ? " " + first[1] : "")
        : command;
}
