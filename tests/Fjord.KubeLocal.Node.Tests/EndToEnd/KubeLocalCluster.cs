using System.Diagnostics;
using System.Text.Json;

namespace Fjord.KubeLocal.Node.Tests.EndToEnd;

/// <summary>
/// A fresh kube-local API server (<see cref="KubeLocalServer"/>) plus a fresh kube-local-node process on the same
/// state directory. Dispose sends the node SIGTERM (which must stop every pod process), then kills the server and
/// removes the directory. The node picks its pod network itself (netns where it can) unless the test names one or
/// <c>KUBE_LOCAL_POD_NETWORK</c> (auto|netns|loopback) does, so every end-to-end test can be run in either mode.
/// </summary>
public sealed class KubeLocalCluster : IDisposable
{
    /// <summary>End-to-end tests run one at a time: each starts two servers and real processes on a shared machine.</summary>
    public const string Collection = "kube-local end to end";

    private readonly Process _node;
    private readonly List<string> _nodeOutput = [];
    private readonly HttpClient _http;

    public KubeLocalCluster(string? podNetwork = null)
    {
        podNetwork ??= Environment.GetEnvironmentVariable("KUBE_LOCAL_POD_NETWORK") ?? "auto";
        Server = new KubeLocalServer();
        _http = new HttpClient { BaseAddress = new Uri(Server.Url) };
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { NodeDll, "--server", Server.Url, "--state-dir", Server.StateDirectory, "--repo-root", KubeTools.RepoRoot, "--pod-network", podNetwork })
        {
            start.ArgumentList.Add(argument);
        }
        _node = Process.Start(start)!;
        _node.OutputDataReceived += (_, e) => Record(e.Data);
        _node.ErrorDataReceived += (_, e) => Record(e.Data);
        _node.BeginOutputReadLine();
        _node.BeginErrorReadLine();
        Eventually.True(() => File.Exists(Path.Combine(Server.StateDirectory, "node-ready")) || _node.HasExited, TimeSpan.FromSeconds(60), () => $"kube-local-node not ready:\n{NodeOutput}");
        Assert.False(_node.HasExited, $"kube-local-node exited:\n{NodeOutput}");
    }

    public KubeLocalServer Server { get; }

    /// <summary>A string unique to this cluster; put in pod commands, it finds their processes in /proc.</summary>
    public string Marker => "pod-of-" + Path.GetFileName(Server.StateDirectory);

    /// <summary>How this node's pod IPs start: its default pod subnet in netns mode, 127.244. in loopback mode.</summary>
    public string PodIpPrefix => NodeOutput.Contains("pod network netns:", StringComparison.Ordinal) ? "10.244." : "127.244.";

    public string NodeOutput
    {
        get
        {
            lock (_nodeOutput)
            {
                return string.Join('\n', _nodeOutput);
            }
        }
    }

    private static string NodeDll
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
            return Path.Combine(KubeTools.RepoRoot, "tools", "Fjord.KubeLocal.Node", "bin", configuration, "net10.0", "kube-local-node.dll");
        }
    }

    /// <summary>Pods of the default namespace by label selector, straight from the API (cheap enough to poll).</summary>
    public List<JsonElement> Pods(string selector)
    {
        var json = _http.GetStringAsync($"/api/v1/namespaces/default/pods?labelSelector={Uri.EscapeDataString(selector)}").GetAwaiter().GetResult();
        return [.. JsonDocument.Parse(json).RootElement.GetProperty("items").EnumerateArray().Select(e => e.Clone())];
    }

    public static bool IsReady(JsonElement pod) =>
        pod.TryGetProperty("status", out var status) && status.TryGetProperty("conditions", out var conditions)
        && conditions.EnumerateArray().Any(c => c.GetProperty("type").GetString() == "Ready" && c.GetProperty("status").GetString() == "True");

    public static bool IsTerminating(JsonElement pod) => pod.GetProperty("metadata").TryGetProperty("deletionTimestamp", out _);

    public static string Name(JsonElement pod) => pod.GetProperty("metadata").GetProperty("name").GetString()!;

    public static string Label(JsonElement pod, string key) =>
        pod.GetProperty("metadata").GetProperty("labels").TryGetProperty(key, out var value) ? value.GetString()! : "";

    /// <summary>Host processes whose command line carries <see cref="Marker"/>.</summary>
    public List<int> MarkedProcesses()
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(Marker, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
                // Exited while we looked.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours.
            }
        }
        return found;
    }

    /// <summary>SIGTERM to kube-local-node, as `make kube-local-stop` does; returns its exit code.</summary>
    public int StopNode()
    {
        if (!_node.HasExited)
        {
            BrokerProcess.Signal(_node.Id, "TERM");
            if (!_node.WaitForExit(30_000))
            {
                _node.Kill(entireProcessTree: true);
                _node.WaitForExit();
                // As make kube-local-stop does after a SIGKILL: the pod namespaces and veths the node could not remove.
                ExternalCommand.Run("dotnet", [NodeDll, "--state-dir", Server.StateDirectory, "--remove-pod-network"], timeout: TimeSpan.FromSeconds(60));
                throw new TimeoutException($"kube-local-node did not exit after SIGTERM:\n{NodeOutput}");
            }
        }
        return _node.ExitCode;
    }

    public void Dispose()
    {
        try
        {
            StopNode();
        }
        finally
        {
            _node.Dispose();
            _http.Dispose();
            Server.Dispose();
        }
    }

    private void Record(string? line)
    {
        if (line is not null)
        {
            lock (_nodeOutput)
            {
                _nodeOutput.Add(line);
            }
        }
    }
}
