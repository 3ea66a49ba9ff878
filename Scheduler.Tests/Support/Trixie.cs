using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Scheduler.Tests.Interop;

namespace Scheduler.Tests.Support;

/// <summary>
/// The Debian 13 ("trixie") chroot with Dask 2024.12.1 (built by scripts/setup-trixie.sh). Commands run inside it
/// through ../shared/peer-tests-2024/trixie-chroot.sh run, which mounts /proc and /dev/shm in a private mount
/// namespace (nothing stays mounted), and share the host's network: 127.0.0.1 is the same inside and out.
/// </summary>
public static class Trixie
{
    public const string DefaultRoot = "/var/cache/dask-scheduler-ci/trixie";
    public const string DaskVersion = "2024.12.1";

    /// <summary>The chroot on the host: $TRIXIE_ROOT, else <see cref="DefaultRoot"/>.</summary>
    public static string Root
    {
        get
        {
            var r = Environment.GetEnvironmentVariable("TRIXIE_ROOT");
            return (string.IsNullOrWhiteSpace(r) ? DefaultRoot : r).TrimEnd('/');
        }
    }

    public static string ChrootScript =>
        Path.GetFullPath(Path.Combine(DaskCluster.RepoRoot, "..", "shared", "peer-tests-2024", "trixie-chroot.sh"));

    /// <summary>When set (env CI or TRIXIE_REQUIRED=1), a missing chroot fails the 2024 tests instead of skipping them.</summary>
    public static bool Required =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")) || Environment.GetEnvironmentVariable("TRIXIE_REQUIRED") == "1";

    private static readonly Lazy<string?> Missing = new(FindMissing);

    /// <summary>Why the chroot cannot be used here, or null when it can.</summary>
    public static string? MissingReason => Missing.Value;

    /// <summary>The skip reason for <see cref="TrixieFactAttribute"/>: null (run) when usable or when <see cref="Required"/>.</summary>
    public static string? SkipReason => Required || MissingReason == null ? null
        : $"Dask {DaskVersion} chroot unavailable: {MissingReason} (scripts/setup-trixie.sh builds it; with CI set this fails)";

    /// <summary>True when the host's /usr/bin/python3 has Debian 12's distributed (2022.12.1), for mixed clusters.</summary>
    public static bool Host2022Available =>
        File.Exists(Path.Combine("/usr/lib/python3/dist-packages", "distributed", "__init__.py"));

    /// <summary>The skip reason for a test that also starts 2022.12.1 processes from the host's python.</summary>
    public static string? SkipReasonFor(bool withHost2022)
    {
        if (SkipReason is { } why) return why;
        if (withHost2022 && !Required && !Host2022Available)
            return "the host's /usr/bin/python3 has no distributed (2022.12.1): run scripts/setup.sh";
        return null;
    }

    private static string? FindMissing()
    {
        if (!File.Exists(Path.Combine(Root, "usr", "bin", "python3")))
            return $"no chroot at {Root} (TRIXIE_ROOT)";
        if (!File.Exists(Path.Combine(Root, "usr", "lib", "python3", "dist-packages", "distributed", "__init__.py")))
            return $"{Root} has no python3-distributed (run scripts/setup-trixie.sh)";
        if (!File.Exists(ChrootScript))
            return $"{ChrootScript} not found";
        if (!Environment.IsPrivilegedProcess)
            return "entering the chroot needs root (chroot, mount)";
        return null;
    }

    /// <summary>Throws, loudly, when the chroot cannot be used.</summary>
    public static void Require()
    {
        if (MissingReason is { } why)
            throw new InvalidOperationException(
                $"Dask {DaskVersion} chroot unavailable: {why}. Build it with scripts/setup-trixie.sh (TRIXIE_ROOT={Root}).");
    }

    /// <summary>The host path of a path inside the chroot.</summary>
    public static string HostPath(string insidePath) => Root + "/" + insidePath.TrimStart('/');

    /// <summary>
    /// A fresh directory /tmp/&lt;prefix&gt;-&lt;unique&gt; inside the chroot, deleted on dispose; scripts are copied
    /// into it because the chroot cannot see the test assembly's directory.
    /// </summary>
    public static TrixieDir CreateDir(string prefix = "xunit")
    {
        Require();
        var inside = $"/tmp/{prefix}-{Guid.NewGuid():N}";
        Directory.CreateDirectory(HostPath(inside));
        return new TrixieDir(HostPath(inside), inside);
    }

    /// <summary>
    /// Starts <paramref name="command"/> inside the chroot with a clean environment (HOME, LANG, PATH,
    /// PYTHONDONTWRITEBYTECODE, PYTHONUNBUFFERED plus <paramref name="env"/>), in <paramref name="workDir"/>
    /// (a path inside the chroot, default /tmp), in its own process group.
    /// </summary>
    public static TrixieProcess Start(IEnumerable<string> command, IDictionary<string, string>? env = null, string? workDir = null)
    {
        Require();
        List<string> args =
        [
            "sh", ChrootScript, "run", "/usr/bin/env", "-i", "HOME=/root", "LANG=C.UTF-8",
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1",
        ];
        if (env != null) args.AddRange(env.Select(kv => $"{kv.Key}={kv.Value}"));
        args.AddRange(["/bin/sh", "-c", "cd \"$1\" && shift && exec \"$@\"", "sh", workDir ?? "/tmp"]);
        args.AddRange(command);
        return new TrixieProcess(args, new Dictionary<string, string> { ["TRIXIE_ROOT"] = Root });
    }

    /// <summary>Runs a command inside the chroot to its end (killed, with TimedOut set, after <paramref name="timeout"/>).</summary>
    public static async Task<TrixieResult> RunAsync(IEnumerable<string> command, TimeSpan timeout,
        IDictionary<string, string>? env = null, string? workDir = null)
    {
        using var p = Start(command, env, workDir);
        return await p.WaitAsync(timeout);
    }
}

/// <summary>A directory inside the chroot: <see cref="HostPath"/> on the host, <see cref="Inside"/> within.</summary>
public sealed class TrixieDir(string hostPath, string inside) : IDisposable
{
    public string HostPath { get; } = hostPath;
    public string Inside { get; } = inside;

    /// <summary>Copies a host file into the directory; returns its path inside the chroot.</summary>
    public string CopyIn(string hostFile, string? name = null)
    {
        name ??= Path.GetFileName(hostFile);
        File.Copy(hostFile, Path.Combine(HostPath, name), overwrite: true);
        return $"{Inside}/{name}";
    }

    /// <summary>Copies every file of a host directory (recursively) into the directory.</summary>
    public void CopyTreeIn(string hostDir)
    {
        foreach (var f in Directory.EnumerateFiles(hostDir, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(HostPath, Path.GetRelativePath(hostDir, f));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(f, target, overwrite: true);
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(HostPath, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Exit code and output of a finished (or killed) process.</summary>
public sealed record TrixieResult(int ExitCode, string Stdout, string Stderr, bool TimedOut)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut;

    public override string ToString() =>
        $"exit {ExitCode}{(TimedOut ? " (timed out, killed)" : "")}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>
/// A process in its own process group (started through setsid, which keeps the PID), with stdout and stderr
/// kept apart and together. Dispose kills the whole group (SIGKILL), so nannies' and workers' children go too.
/// </summary>
public sealed class TrixieProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new(), _stderr = new(), _all = new();
    private readonly object _lock = new();
    private bool _disposed;

    public TrixieProcess(IReadOnlyList<string> command, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo("setsid")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        foreach (var a in command) psi.ArgumentList.Add(a);
        if (env != null) foreach (var (k, v) in env) psi.Environment[k] = v;
        _process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data, _stdout);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data, _stderr);
        _process.Start();
        _process.StandardInput.Close();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Pid = _process.Id;
    }

    /// <summary>The process id, which is also its process-group id.</summary>
    public int Pid { get; }

    public bool HasExited => _process.HasExited;

    public string Stdout { get { lock (_lock) return _stdout.ToString(); } }
    public string Stderr { get { lock (_lock) return _stderr.ToString(); } }

    /// <summary>stdout and stderr interleaved, as printed.</summary>
    public string Output { get { lock (_lock) return _all.ToString(); } }

    private void OnLine(string? line, StringBuilder into)
    {
        if (line == null) return;
        lock (_lock)
        {
            into.AppendLine(line);
            _all.AppendLine(line);
        }
    }

    /// <summary>Waits until a line containing <paramref name="text"/> has been printed (either stream).</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited)
            {
                _process.WaitForExit();
                if (Output.Contains(text, StringComparison.Ordinal)) return;
                throw new InvalidOperationException($"exited {_process.ExitCode} before printing '{text}':\n{Output}");
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"'{text}' not seen within {timeout}:\n{Output}");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits for the end; after <paramref name="timeout"/> kills the group and reports TimedOut.</summary>
    public async Task<TrixieResult> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            _process.WaitForExit(5000);
            return new TrixieResult(-1, Stdout, Stderr, TimedOut: true);
        }
        _process.WaitForExit(); // flush the asynchronous readers
        var rc = _process.ExitCode;
        KillGroup(Sigkill); // anything the command left behind in its group
        return new TrixieResult(rc, Stdout, Stderr, TimedOut: false);
    }

    /// <summary>SIGTERM to the process group (a graceful stop).</summary>
    public void Terminate() => KillGroup(Sigterm);

    /// <summary>SIGKILL to the process group and to the process tree.</summary>
    public void Kill()
    {
        KillGroup(Sigkill);
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        catch (System.ComponentModel.Win32Exception) { }
    }

    private const int Sigterm = 15, Sigkill = 9;

    private void KillGroup(int signal)
    {
        // the group outlives its leader: signal it even after the leader has exited (ESRCH when it is empty)
        _ = SysKill(-Pid, signal);
    }

    [DllImport("libc", EntryPoint = "kill")]
    private static extern int SysKill(int pid, int sig);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Kill();
        _process.Dispose();
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"pid {Pid}");
}

/// <summary>
/// A fact that needs the Dask 2024.12.1 chroot: skipped outside CI when it is missing, failing in CI (env CI or
/// TRIXIE_REQUIRED=1). <see cref="WithHost2022"/>: also needs the host's Dask 2022.12.1 (mixed clusters).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class TrixieFactAttribute : FactAttribute
{
    public bool WithHost2022 { get; set; }

    public override string Skip
    {
        get => base.Skip ?? Trixie.SkipReasonFor(WithHost2022)!;
        set => base.Skip = value;
    }
}

/// <summary>A theory that needs the Dask 2024.12.1 chroot (see <see cref="TrixieFactAttribute"/>).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class TrixieTheoryAttribute : TheoryAttribute
{
    public bool WithHost2022 { get; set; }

    public override string Skip
    {
        get => base.Skip ?? Trixie.SkipReasonFor(WithHost2022)!;
        set => base.Skip = value;
    }
}
