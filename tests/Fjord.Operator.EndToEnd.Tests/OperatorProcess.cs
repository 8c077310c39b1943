using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Fjord.Operator.EndToEnd.Tests;

/// <summary>
/// The built <c>fjord-operator</c> running as a host process against a kube-local server's kubeconfig, watching one
/// namespace, with leader election on (a restarted operator takes the Lease over). <see cref="Kill"/> is SIGKILL,
/// as a crashed pod; <see cref="Dispose"/> kills it too. Not thread-safe.
/// </summary>
public sealed class OperatorProcess : IDisposable
{
    private readonly string _kubeconfig;
    private readonly List<string> _output = [];
    private Process? _process;

    public OperatorProcess(string kubeconfig)
    {
        _kubeconfig = kubeconfig;
        Start();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
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

    /// <summary>Starts a new operator process (the previous one must be gone) with a fresh identity.</summary>
    public void Start()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            OperatorDll, "run", "--kubeconfig", _kubeconfig, "--namespace", "default", "--http-listen", $"127.0.0.1:{FreePort()}",
            "--leader-elect", "true", "--lease-namespace", "default", "--identity", $"e2e-{Guid.NewGuid():N}",
        })
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["Logging__LogLevel__Default"] = "Information";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Record(e.Data);
        process.ErrorDataReceived += (_, e) => Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
        _process?.Dispose();
        _process = null;
    }

    public void Dispose() => Kill();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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
