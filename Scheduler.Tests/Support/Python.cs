using System.Diagnostics;

namespace Scheduler.Tests.Support;

/// <summary>Runs Debian's Python (the one whose distributed is the target) and returns its standard output.</summary>
public static class Python
{
    public const string Executable = "/usr/bin/python3";

    public static string Run(string script, IEnumerable<string>? args = null, string? stdin = null)
    {
        var psi = new ProcessStartInfo(Executable, [script, .. args ?? []])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.Environment["PYTHONWARNINGS"] = "ignore";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin != null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{Path.GetFileName(script)} exited {p.ExitCode}:\n{stderr.Result}");
        return stdout.Result;
    }

    /// <summary>A script copied next to the test assembly (Content items of the test project).</summary>
    public static string Script(params string[] relative) => Path.Combine([AppContext.BaseDirectory, .. relative]);
}
