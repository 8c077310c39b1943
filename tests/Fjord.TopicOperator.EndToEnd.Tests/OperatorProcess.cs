using System.Diagnostics;

namespace Fjord.TopicOperator.EndToEnd.Tests;

/// <summary>
/// The built <c>fjord-operator</c> as a host process against a kube-local kubeconfig (leader election off, one
/// namespace), its output kept for failure messages. Killed on dispose.
/// </summary>
public sealed class OperatorProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    public OperatorProcess(string kubeconfig, string ns)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            OperatorDll, "run", "--kubeconfig", kubeconfig, "--namespace", ns, "--leader-elect", "false",
            "--http-listen", $"127.0.0.1:{BrokerProcess.FreePort()}",
        })
        {
            start.ArgumentList.Add(argument);
        }
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => Record(e.Data);
        _process.ErrorDataReceived += (_, e) => Record(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output.TakeLast(200));
            }
        }
    }

    private static string OperatorDll
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
            return Path.Combine(KubeTools.RepoRoot, "operator", "Fjord.Operator", "bin", configuration, "net10.0", "fjord-operator.dll");
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void Record(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.Add(line);
            }
        }
    }
}
