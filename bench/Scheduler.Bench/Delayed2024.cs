using System.Diagnostics;
using System.Text;
using Scheduler.Core.Config;
using Scheduler.Core.Graph;
using Scheduler.Core.Graph.Dask2024;
using Scheduler.Core.Pickle.Symbolic;
using Scheduler.Core.Protocol;
using Scheduler.Core.Protocol.Dialects;
using Scheduler.Core.State;

/// <summary>
/// A Dask 2024.12.1 client's update-graph for a dask.delayed workload, as the real client pickles it. The pickle
/// is made once by delayed_graph_2024.py with the real Python stack in the Debian 13 chroot (the client's own
/// Client.compute path) and cached in the temp directory, so no big binary lives in the repository.
/// </summary>
static class Delayed2024
{
    public sealed record Capture(byte[][] Frames, string[] Keys);

    public static Capture? Load(int n)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "delayed_graph_2024.py");
        var scriptBytes = File.ReadAllBytes(script);
        // The cache is named after the script's content, so a changed generator makes a new capture.
        var tag = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(scriptBytes))[..12];
        var cache = Path.Combine(Path.GetTempPath(), "scheduler-bench", $"delayed-2024-{n}-{tag}.bin");
        if (!File.Exists(cache) && !Generate(n, scriptBytes, cache)) return null;
        return Parse(File.ReadAllBytes(cache));
    }

    private static bool Generate(int n, byte[] script, string cache)
    {
        var root = (Environment.GetEnvironmentVariable("TRIXIE_ROOT") is { Length: > 0 } r ? r : "/var/cache/dask-scheduler-ci/trixie").TrimEnd('/');
        var chrootScript = FindChrootScript();
        if (!File.Exists(Path.Combine(root, "usr", "bin", "python3")) || chrootScript == null || !Environment.IsPrivilegedProcess)
        {
            Console.WriteLine($"(skipping the 2024 delayed graph: it is generated with the Dask 2024.12.1 chroot at {root}, which needs root and ../shared/peer-tests-2024/trixie-chroot.sh)");
            return false;
        }
        var inside = $"/tmp/scheduler-bench-{Guid.NewGuid():N}";
        var host = root + inside;
        Directory.CreateDirectory(host);
        try
        {
            File.WriteAllBytes(Path.Combine(host, "delayed_graph_2024.py"), script);
            Console.WriteLine($"generating a {n}-task 2024.12.1 delayed graph with the chroot's Python (once; cached at {cache})...");
            var psi = new ProcessStartInfo("sh")
            {
                ArgumentList =
                {
                    chrootScript, "run", "/usr/bin/env", "-i", "HOME=/root", "LANG=C.UTF-8", "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                    "PYTHONDONTWRITEBYTECODE=1", "python3", inside + "/delayed_graph_2024.py", n.ToString(System.Globalization.CultureInfo.InvariantCulture), inside + "/graph.bin",
                },
                UseShellExecute = false,
            };
            psi.Environment["TRIXIE_ROOT"] = root;
            using var p = Process.Start(psi)!;
            p.WaitForExit();
            if (p.ExitCode != 0)
            {
                Console.WriteLine($"(the generator failed with exit code {p.ExitCode})");
                return false;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(cache)!);
            File.Move(Path.Combine(host, "graph.bin"), cache, overwrite: true);
            return true;
        }
        finally
        {
            Directory.Delete(host, recursive: true);
        }
    }

    private static string? FindChrootScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "Scheduler.sln"))) continue;
            var s = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "peer-tests-2024", "trixie-chroot.sh"));
            return File.Exists(s) ? s : null;
        }
        return null;
    }

    private static Capture Parse(byte[] data)
    {
        int pos = 0;
        uint U32() { var v = BitConverter.ToUInt32(data, pos); pos += 4; return v; }
        var frames = new byte[U32()][];
        for (int i = 0; i < frames.Length; i++)
        {
            int len = checked((int)BitConverter.ToUInt64(data, pos));
            pos += 8;
            frames[i] = data.AsSpan(pos, len).ToArray();
            pos += len;
        }
        var keys = new string[U32()];
        for (int i = 0; i < keys.Length; i++)
        {
            int len = (int)U32();
            keys[i] = Encoding.UTF8.GetString(data, pos, len);
            pos += len;
        }
        return new Capture(frames, keys);
    }

    /// <summary>The update-graph message as the client's stream decodes it (no priorities: a collection).</summary>
    public static MsgMap Message(Capture c) =>
        new MsgMap().Add("op", "update-graph").Add("graph_header", new MsgMap().Add("serializer", "pickle"))
            .Add("graph_frames", c.Frames.Cast<object?>().ToArray()).Add("keys", c.Keys.Cast<object?>().ToArray())
            .Add("internal_priority", null).Add("submitting_task", null).Add("fifo_timeout", "60s")
            .Add("actors", false).Add("annotations", null).Add("stimulus_id", "update-graph-bench");

    /// <summary>The actor's part: update-graph-hlg with the prepared graph on a state with two running 2024 workers.</summary>
    public static SchedulerState Submit(MsgMap normalized, GraphPreparation prepared)
    {
        var state = new SchedulerState(new SchedulerConfig(), new SchedulerIdentity("bench", 0));
        double t = 1;
        foreach (var w in new[] { "tcp://127.0.0.1:1", "tcp://127.0.0.1:2" })
        {
            state.Handle(new WorkerConnected(1, new MsgMap().Add("address", w).Add("name", w).Add("nthreads", 2L).Add("nbytes", new MsgMap()))
            { Time = t++, Dialect = DaskDialect.Dask2024 });
            state.Handle(new WorkerStreamOp(w, "worker-status-change", new MsgMap().Add("status", "running")) { Time = t++ });
        }
        state.Handle(new ClientConnected(2, "Client-bench", new MsgMap()) { Time = t++, Dialect = DaskDialect.Dask2024 });
        var commands = state.Handle(new ClientStreamOp("Client-bench", "update-graph-hlg", normalized) { Time = t++, Preparation = prepared });
        while (commands.Any(c => c is ContinueLater)) commands = state.Handle(new ContinueGraph { Time = t });
        return state;
    }

    /// <summary>SHA-256 over every task's key, Pickled frames and sorted dependencies, in graph order.</summary>
    private static string Digest(UnpackedGraph graph)
    {
        using var h = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var (key, spec) in graph.Tasks)
        {
            h.AppendData(Encoding.UTF8.GetBytes(key + "\n"));
            if (spec is Pickled p)
            {
                h.AppendData(p.HeaderBytes);
                foreach (var f in p.Frames) h.AppendData(f);
            }
            foreach (var d in graph.Dependencies[key].Order(StringComparer.Ordinal)) h.AppendData(Encoding.UTF8.GetBytes(d + "\n"));
        }
        return Convert.ToHexString(h.GetHashAndReset())[..16];
    }

    public static void Run(Capture c, Action<string, Func<object>, bool> measure)
    {
        var pickle = c.Frames[0];
        var buffers = c.Frames[1..];
        var bounds = UpdateGraph2024.Bounds;
        PickleNode? root = null;
        UnpackedGraph? graph = null;
        measure("2024 delayed: symbolic read (pickle -> nodes)", () => root = SymbolicReader.Read(pickle, bounds), false);
        measure("2024 delayed: tasks (deps + run_spec pickles)", () => graph = Graph2024Reader.Read(root!, buffers, bounds, skipUnsupported: false).Graph, false);
        Console.WriteLine($"   (graph digest {Digest(graph!)}: run_spec frames and dependencies, to check optimisations change no byte)");
        measure("2024 delayed: prepare (position + order2024)", () => GraphPreparation.Prepare(graph!, order: true, order2024: true), false);
        var msg = Message(c);
        MsgMap? normalized = null;
        GraphPreparation? prepared = null;
        measure("2024 delayed: read + link + order (Bind)", () => (normalized, prepared) = UpdateGraph2024.Bind(msg), false);
        if (prepared!.Refusal is { } why) throw new InvalidOperationException("the bench graph was refused: " + why);
        if (prepared.Graph!.TaskCount != graph!.Tasks.Count) throw new InvalidOperationException("the prepared graph lost tasks");
        measure("2024 delayed: update-graph on the actor", () => Submit(normalized!, prepared), true);
    }
}
