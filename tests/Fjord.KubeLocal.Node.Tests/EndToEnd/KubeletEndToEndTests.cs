using System.Diagnostics;
using System.Text.Json;

namespace Fjord.KubeLocal.Node.Tests.EndToEnd;

/// <summary>
/// The process kubelet seen through the real kubectl: restart policies and crash-loop back-off, liveness probes,
/// graceful deletion (SIGTERM, grace period, SIGKILL), configMap and secret volumes, the Node object, and a node
/// SIGTERM that leaves no pod process running.
/// </summary>
[Collection(KubeLocalCluster.Collection)]
public sealed class KubeletEndToEndTests : IDisposable
{
    private readonly KubeLocalCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    private string Pod(string name, string script, string extraSpec = "", string extraContainer = "") => $$$$"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {{{{name}}}}
          labels: {test: {{{{name}}}}}
        spec:
        {{{{extraSpec}}}}
          containers:
          - name: main
            image: busybox:1.36
            command: ["sh", "-c", "{{{{script}}}} # {{{{_cluster.Marker}}}}"]
        {{{{extraContainer}}}}
        """;

    private JsonElement Get(string name) =>
        JsonDocument.Parse(_cluster.Server.MustKubectl("get", "pod", name, "-o", "json")).RootElement.Clone();

    private static JsonElement Container(JsonElement pod) =>
        pod.GetProperty("status").TryGetProperty("containerStatuses", out var statuses) ? statuses[0] : default;

    [Fact]
    public void CrashingContainer_RestartsWithBackoff_AndKeepsThePreviousLog()
    {
        _cluster.Server.MustKubectlWithInput(Pod("crash", "echo attempt; exit 1"), "apply", "-f", "-");

        JsonElement status = default;
        Eventually.True(() =>
        {
            status = Container(Get("crash"));
            return status.ValueKind == JsonValueKind.Object && status.GetProperty("restartCount").GetInt32() >= 1
                && status.GetProperty("state").TryGetProperty("waiting", out var waiting) && waiting.GetProperty("reason").GetString() == "CrashLoopBackOff";
        }, TimeSpan.FromSeconds(60), () => $"CrashLoopBackOff after a restart; last status {status}");

        Assert.Equal(1, status.GetProperty("lastState").GetProperty("terminated").GetProperty("exitCode").GetInt32());
        Assert.Equal("Running", Get("crash").GetProperty("status").GetProperty("phase").GetString());
        Assert.Contains("attempt", _cluster.Server.MustKubectl("logs", "crash", "--previous"));
    }

    [Fact]
    public void NeverRestartedFailure_FailsThePodWithItsExitCode()
    {
        _cluster.Server.MustKubectlWithInput(Pod("once", "echo done; exit 3", "  restartPolicy: Never"), "apply", "-f", "-");

        Eventually.True(() => Get("once").GetProperty("status").GetProperty("phase").GetString() == "Failed", TimeSpan.FromSeconds(60), "phase Failed");

        var terminated = Container(Get("once")).GetProperty("state").GetProperty("terminated");
        Assert.Equal((3, "Error"), (terminated.GetProperty("exitCode").GetInt32(), terminated.GetProperty("reason").GetString()));
        Assert.Contains("done", _cluster.Server.MustKubectl("logs", "once"));
    }

    [Fact]
    public void FailingLivenessProbe_RestartsTheContainer()
    {
        var probe = """
                livenessProbe:
                  exec: {command: ["false"]}
                  periodSeconds: 1
                  failureThreshold: 2
            """;
        _cluster.Server.MustKubectlWithInput(Pod("unhealthy", "while true; do sleep 0.2; done", "  terminationGracePeriodSeconds: 1", probe), "apply", "-f", "-");

        Eventually.True(() => Container(Get("unhealthy")) is { ValueKind: JsonValueKind.Object } s && s.GetProperty("restartCount").GetInt32() >= 1,
            TimeSpan.FromSeconds(60), () => $"a restart after liveness failures:\n{_cluster.NodeOutput}");
    }

    [Fact]
    public void ConfigMapAndSecretVolumes_AreFilesUnderTheRemappedMountPaths()
    {
        _cluster.Server.MustKubectl("create", "configmap", "settings", "--from-literal=greeting=hi-from-configmap");
        _cluster.Server.MustKubectl("create", "secret", "generic", "creds", "--from-literal=password=hunter2");
        var mounts = """
                env:
                - {name: SETTINGS, value: /etc/settings}
                - {name: CREDS, value: /etc/creds/password}
                volumeMounts:
                - {name: settings, mountPath: /etc/settings}
                - {name: creds, mountPath: /etc/creds}
            """;
        var volumes = """
              volumes:
              - {name: settings, configMap: {name: settings}}
              - {name: creds, secret: {secretName: creds}}
            """;
        _cluster.Server.MustKubectlWithInput(Pod("files", "cat $SETTINGS/greeting; echo; cat $CREDS; echo; sleep 600", volumes, mounts), "apply", "-f", "-");

        Eventually.True(() => _cluster.Server.Kubectl("logs", "files").StandardOutput.Contains("hunter2", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), () => $"both files in the log: {_cluster.Server.Kubectl("logs", "files")}\n{_cluster.NodeOutput}");
        Assert.Contains("hi-from-configmap", _cluster.Server.MustKubectl("logs", "files"));
    }

    [Fact]
    public void Delete_SendsSigtermAndKillsAfterTheGracePeriod()
    {
        _cluster.Server.MustKubectlWithInput(Pod("graceful", "trap 'echo got TERM; exit 0' TERM; while true; do sleep 0.2; done", "  terminationGracePeriodSeconds: 30"), "apply", "-f", "-");
        _cluster.Server.MustKubectlWithInput(Pod("stubborn", "trap '' TERM; while true; do sleep 0.2; done", "  terminationGracePeriodSeconds: 30"), "apply", "-f", "-");
        _cluster.Server.MustKubectl("wait", "--for=condition=Ready", "pod/graceful", "pod/stubborn", "--timeout=60s");
        Assert.Equal(2, _cluster.MarkedProcesses().Count(pid => File.ReadAllText($"/proc/{pid}/cmdline").StartsWith("sh", StringComparison.Ordinal)));

        var watch = Stopwatch.StartNew();
        _cluster.Server.MustKubectl("delete", "pod", "graceful", "--wait", "--timeout=60s");
        Console.WriteLine($"delete of a pod that exits on SIGTERM: {watch.Elapsed.TotalSeconds:F1}s (grace 30s)");
        watch.Restart();
        _cluster.Server.MustKubectl("delete", "pod", "stubborn", "--grace-period=2", "--wait", "--timeout=60s");
        Console.WriteLine($"delete of a pod that ignores SIGTERM, --grace-period=2: {watch.Elapsed.TotalSeconds:F1}s");

        Assert.Empty(_cluster.MarkedProcesses());
        Assert.False(_cluster.Server.Kubectl("get", "pod", "graceful").ExitCode == 0);
    }

    [Fact]
    public void NodeSigterm_LeavesNoPodProcessRunning()
    {
        var outDir = Path.Combine(_cluster.Server.StateDirectory, "out");
        var volume = $$$"""
              volumes:
              - {name: out, hostPath: {path: {{{outDir}}}}}
            """;
        var mount = """
                env:
                - {name: OUT, value: /out}
                volumeMounts:
                - {name: out, mountPath: /out}
            """;
        _cluster.Server.MustKubectlWithInput(Pod("one", "trap '' TERM; while true; do sleep 0.2; done"), "apply", "-f", "-");
        _cluster.Server.MustKubectlWithInput(Pod("two", "sleep 600 & echo $! > $OUT/child.pid; wait", volume, mount), "apply", "-f", "-");
        _cluster.Server.MustKubectl("wait", "--for=condition=Ready", "pod/one", "pod/two", "--timeout=60s");
        Eventually.True(() => File.Exists(Path.Combine(outDir, "child.pid")), TimeSpan.FromSeconds(30), "the background child's pid file");
        var child = int.Parse(File.ReadAllText(Path.Combine(outDir, "child.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.NotEmpty(_cluster.MarkedProcesses());
        Assert.True(Directory.Exists($"/proc/{child}"), "the background child runs before the node stops");

        Eventually.True(() => _cluster.Server.Kubectl("get", "node", "kube-local", "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}").StandardOutput == "True",
            TimeSpan.FromSeconds(30), "node kube-local registered and Ready");

        Assert.Equal(0, _cluster.StopNode());

        Assert.Empty(_cluster.MarkedProcesses());
        Assert.Equal("False", _cluster.Server.MustKubectl("get", "node", "kube-local", "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"));
        Eventually.True(() => !Directory.Exists($"/proc/{child}") || File.ReadAllText($"/proc/{child}/stat").Contains(") Z ", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), $"background child {child} stopped with its container");
    }
}
