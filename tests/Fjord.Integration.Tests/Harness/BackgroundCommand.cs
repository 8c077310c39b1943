using System.Diagnostics;

namespace Fjord.Integration.Tests.Harness;

/// <summary>
/// A client process that keeps running while the test watches its output lines (a group
/// member printing its assignment). Dispose kills it. Thread-safe reads of the lines so far.
/// </summary>
public sealed class BackgroundCommand : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];

    public BackgroundCommand(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Add(e.Data);
        _process.ErrorDataReceived += (_, e) => Add(e.Data is null ? null : "stderr: " + e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static BackgroundCommand Python(string script, params string[] arguments) =>
        new("/usr/bin/python3", [Path.Combine(AppContext.BaseDirectory, "compat", script), .. arguments]);

    public bool HasExited => _process.HasExited;

    public int ProcessId => _process.Id;

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public string? LastLine(Func<string, bool> predicate) => Lines.LastOrDefault(predicate);

    public void Kill() => _process.Kill(entireProcessTree: true);

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Add(line);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}
