using System.Text.Json;

namespace Fjord.KubeLocal.Node.Tests.EndToEnd;

/// <summary>
/// Deployments through the real kubectl and helm against fresh kube-local and kube-local-node processes: a rolling
/// update to a new ReplicaSet (three HTTP servers on the same container port, each on its own pod IP, with httpGet
/// readiness), and <c>helm install --wait</c> of the kube-local test chart, whose Deployment Helm waits on through
/// its newest ReplicaSet.
/// </summary>
[Collection(KubeLocalCluster.Collection)]
public sealed class DeploymentEndToEndTests : IDisposable
{
    private readonly KubeLocalCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    private string Manifest(string version) => $$$$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: api
        spec:
          replicas: 3
          selector:
            matchLabels: {app: api}
          template:
            metadata:
              labels: {app: api}
            spec:
              terminationGracePeriodSeconds: 5
              containers:
              - name: main
                image: busybox:1.36
                command: ["sh", "-c", "echo {{{{version}}}} on $POD_IP; exec python3 -m http.server 8080 --bind $POD_IP --directory $WWW # {{{{_cluster.Marker}}}}"]
                env:
                - {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
                - {name: WWW, value: /www}
                ports:
                - {name: http, containerPort: 8080}
                readinessProbe:
                  httpGet: {path: /, port: http}
                  periodSeconds: 1
                volumeMounts:
                - {name: www, mountPath: /www}
              volumes:
              - {name: www, emptyDir: {}}
        """;

    [Fact]
    public void Deployment_RollsOutANewReplicaSet_WithTheRealKubectl()
    {
        var server = _cluster.Server;
        server.MustKubectlWithInput(Manifest("v1"), "apply", "-f", "-");
        Assert.Contains("successfully rolled out", server.MustKubectl("rollout", "status", "deployment/api", "--timeout=90s"));
        var ips = _cluster.Pods("app=api").Select(p => p.GetProperty("status").GetProperty("podIP").GetString()).ToList();
        Assert.Equal(3, ips.Distinct().Count());

        server.MustKubectlWithInput(Manifest("v2"), "apply", "-f", "-");
        Assert.Contains("successfully rolled out", server.MustKubectl("rollout", "status", "deployment/api", "--timeout=90s"));

        var sets = JsonDocument.Parse(server.MustKubectl("get", "replicasets", "-l", "app=api", "-o", "json")).RootElement.GetProperty("items").EnumerateArray()
            .Select(rs => (Hash: rs.GetProperty("metadata").GetProperty("labels").GetProperty("pod-template-hash").GetString(), Replicas: rs.GetProperty("spec").GetProperty("replicas").GetInt32()))
            .ToList();
        Assert.Equal(2, sets.Count);
        Assert.Equal([0, 3], sets.Select(s => s.Replicas).Order());
        var newHash = sets.Single(s => s.Replicas == 3).Hash;
        Eventually.True(() =>
        {
            var pods = _cluster.Pods("app=api").Where(p => !KubeLocalCluster.IsTerminating(p)).ToList();
            return pods.Count == 3 && pods.All(p => KubeLocalCluster.Label(p, "pod-template-hash") == newHash);
        }, TimeSpan.FromSeconds(60), "only new pods left");
        JsonElement status = default;
        Eventually.True(() =>
        {
            status = JsonDocument.Parse(server.MustKubectl("get", "deployment", "api", "-o", "json")).RootElement.GetProperty("status").Clone();
            return status.GetProperty("conditions").EnumerateArray()
                .Any(c => c.GetProperty("type").GetString() == "Progressing" && c.GetProperty("reason").GetString() == "NewReplicaSetAvailable");
        }, TimeSpan.FromSeconds(30), () => $"Progressing reason NewReplicaSetAvailable; status {status}");
        Assert.Equal((3, 3, 3), (status.GetProperty("updatedReplicas").GetInt32(), status.GetProperty("readyReplicas").GetInt32(), status.GetProperty("availableReplicas").GetInt32()));
        var pod = KubeLocalCluster.Name(_cluster.Pods("app=api")[0]);
        Assert.StartsWith($"v2 on {_cluster.PodIpPrefix}", server.MustKubectl("logs", pod));

        server.MustKubectl("delete", "deployment", "api", "--wait", "--timeout=60s");
        Eventually.True(() => _cluster.Pods("app=api").Count == 0 && _cluster.MarkedProcesses().Count == 0, TimeSpan.FromSeconds(60), "pods and their processes gone after the Deployment's deletion");
    }

    [Fact]
    public void HelmInstallWait_OfAChartWithADeployment_SucceedsOnceItsPodIsReady()
    {
        var server = _cluster.Server;
        var chart = Path.Combine(KubeTools.RepoRoot, "tests", "Fjord.KubeLocal.Tests", "charts", "kube-local-test");

        var install = server.MustHelm("install", "demo", chart, "--wait", "--timeout", "90s");

        Assert.Contains("STATUS: deployed", install);
        var pods = _cluster.Pods("app.kubernetes.io/name=demo-app");
        Assert.True(KubeLocalCluster.IsReady(Assert.Single(pods)));
        Assert.Contains("deployed", server.MustHelm("status", "demo"));
        Eventually.True(() => server.Kubectl("logs", KubeLocalCluster.Name(pods[0])).StandardOutput.Contains("hello", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "the chart's greeting in kubectl logs");

        server.MustHelm("uninstall", "demo", "--wait", "--timeout", "90s");
        Eventually.True(() => _cluster.Pods("app.kubernetes.io/name=demo-app").Count == 0, TimeSpan.FromSeconds(60), "the chart's pod deleted by uninstall");
    }
}
