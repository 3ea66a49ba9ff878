using System.Diagnostics;
using System.Text;

namespace Scheduler.Tests.Interop;

/// <summary>A child process whose output is kept for assertions and failure messages.</summary>
public sealed class ProcessRunner : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<TaskCompletionSource<string>> _waiters = [];
    private readonly object _lock = new();

    public ProcessRunner(string file, IEnumerable<string> args, string? workDir = null, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workDir ?? Environment.CurrentDirectory,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env != null) foreach (var (k, v) in env) psi.Environment[k] = v;
        psi.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        _process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    public string Output
    {
        get { lock (_lock) return _output.ToString(); }
    }

    private void OnLine(string? line)
    {
        if (line == null) return;
        lock (_lock)
        {
            _output.AppendLine(line);
            foreach (var w in _waiters) w.TrySetResult(line);
            _waiters.Clear();
        }
    }

    /// <summary>Waits until a line containing <paramref name="text"/> has been printed.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            TaskCompletionSource<string> tcs;
            lock (_lock)
            {
                if (_output.ToString().Contains(text, StringComparison.Ordinal)) return;
                tcs = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add(tcs);
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || _process.HasExited && !Output.Contains(text, StringComparison.Ordinal))
            {
                if (Output.Contains(text, StringComparison.Ordinal)) return;
                throw new TimeoutException($"'{text}' not seen; output:\n{Output}");
            }
            await Task.WhenAny(tcs.Task, Task.Delay(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200)));
        }
    }

    /// <summary>Waits for exit; returns the exit code (throws with the output on timeout).</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"process did not exit within {timeout}; output:\n{Output}");
        }
        _process.WaitForExit(); // flush the asynchronous output readers
        return _process.ExitCode;
    }

    /// <summary>SIGKILL, as a crashing machine would.</summary>
    public void Kill()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
