using System.Diagnostics;

namespace Fjord.KubeLocal.Tests.Harness;

/// <summary>
/// A real kube-local process on a free loopback port with its own temporary state directory, plus kubectl and
/// helm runners that use its kubeconfig and per-server discovery and Helm caches. Killed on dispose.
/// </summary>
public sealed class KubeLocalServer : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    public KubeLocalServer(params string[] extraArguments)
    {
        Port = BrokerProcess.FreePort();
        StateDirectory = Directory.CreateTempSubdirectory("kube-local-test-").FullName;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Every request is logged, so tests can wait for a client to reach a step (a watch) instead of sleeping.
        start.Environment["KUBE_LOCAL_VERBOSE"] = "1";
        foreach (var argument in new[] { KubeTools.KubeLocalDll, "--state-dir", StateDirectory, "--listen", $"127.0.0.1:{Port}" }.Concat(extraArguments))
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start)!;
        var ready = new TaskCompletionSource();
        _process.OutputDataReceived += (_, e) => Record(e.Data, ready);
        _process.ErrorDataReceived += (_, e) => Record(e.Data, ready);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        if (!ready.Task.Wait(TimeSpan.FromSeconds(60)))
        {
            Dispose();
            throw new TimeoutException($"kube-local did not print its ready line: {Output}");
        }
    }

    public int Port { get; }

    public string StateDirectory { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    public string Kubeconfig => Path.Combine(StateDirectory, "kubeconfig");

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

    public ExternalCommand.Result Kubectl(params string[] arguments) => Run(KubeTools.Kubectl, arguments, null);

    public ExternalCommand.Result KubectlWithInput(string input, params string[] arguments) => Run(KubeTools.Kubectl, arguments, input);

    public ExternalCommand.Result Helm(params string[] arguments) => Run(KubeTools.Helm, arguments, null);

    /// <summary>Runs kubectl and fails the test, with everything it printed, unless it exits 0.</summary>
    public string MustKubectl(params string[] arguments) => Must(Kubectl(arguments), "kubectl", arguments);

    public string MustKubectlWithInput(string input, params string[] arguments) => Must(KubectlWithInput(input, arguments), "kubectl", arguments);

    public string MustHelm(params string[] arguments) => Must(Helm(arguments), "helm", arguments);

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
            try
            {
                Directory.Delete(StateDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A file may still be open by the dying process; the temp directory is swept by the OS.
            }
        }
    }

    private string Must(ExternalCommand.Result result, string tool, string[] arguments)
    {
        Assert.True(result.ExitCode == 0, $"{tool} {string.Join(' ', arguments)} failed: {result}\n--- kube-local\n{Output}");
        return result.StandardOutput;
    }

    private ExternalCommand.Result Run(string tool, string[] arguments, string? input)
    {
        var env = new Dictionary<string, string>
        {
            ["KUBECONFIG"] = Kubeconfig,
            ["KUBECACHEDIR"] = Path.Combine(StateDirectory, "kube-cache"),
            ["HELM_CACHE_HOME"] = Path.Combine(StateDirectory, "helm", "cache"),
            ["HELM_CONFIG_HOME"] = Path.Combine(StateDirectory, "helm", "config"),
            ["HELM_DATA_HOME"] = Path.Combine(StateDirectory, "helm", "data"),
            ["HOME"] = StateDirectory,
        };
        return ExternalCommand.Run("env", [.. env.Select(e => $"{e.Key}={e.Value}"), tool, .. arguments], input, TimeSpan.FromMinutes(2));
    }

    private void Record(string? line, TaskCompletionSource ready)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(line);
        }

        if (line.StartsWith("kube-local ready", StringComparison.Ordinal))
        {
            ready.TrySetResult();
        }
    }
}
