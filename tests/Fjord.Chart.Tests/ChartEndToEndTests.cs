using System.Diagnostics;
using Fjord.Chart.Tests.Harness;
using Xunit.Abstractions;

namespace Fjord.Chart.Tests;

/// <summary>
/// The chart on kube-local with the real helm and kubectl: <c>helm install --wait</c> runs the operator Deployment as
/// a host process, whose pod reaches the API server through the KUBECONFIG kube-local-node gives every container, and
/// the FjordCluster from values turns Ready; its FjordTopic and one applied with kubectl turn Ready as topics on it;
/// <c>helm upgrade</c> carries a changed CRD to the API server and adopts the cluster into the release;
/// <c>helm uninstall</c> removes the operator and keeps the CRDs, the cluster and its claims. Without Helm,
/// <c>deploy/install.yaml</c> runs the operator; a cluster with <c>deleteClaim: true</c> takes its claims when deleted.
/// </summary>
[Collection(KubeLocalCluster.Collection)]
public sealed class ChartEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private readonly KubeLocalCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public void HelmInstallUpgradeUninstall_DefaultThreeBrokerCluster_OperatorRunsClusterTurnsReadyDataStays()
    {
        var server = _cluster.Server;
        // The chart's default cluster: three brokers, all controller voters, addressed by their pod DNS names.
        string[] values = ["--set", "cluster.enabled=true", "--set", "cluster.spec.storage.size=1Gi", "--set", "topics[0].name=clicks", "--set", "topics[0].partitions=2"];

        var clock = Stopwatch.StartNew();
        var install = server.MustHelm(["install", "fjord", ChartRenderer.ChartDirectory, .. values, "--wait", "--timeout", "110s"]);
        var installed = clock.Elapsed;
        Assert.Contains("STATUS: deployed", install);
        Assert.Contains("kubectl -n default wait fjordcluster/fjord --for=condition=Ready", install);

        var operatorPod = Assert.Single(_cluster.Pods("app.kubernetes.io/component=operator"));
        Assert.True(KubeLocalCluster.IsReady(operatorPod), "helm --wait returned with the operator pod ready");
        Assert.NotEmpty(OperatorProcesses());
        Eventually.True(() => server.Kubectl("logs", KubeLocalCluster.Name(operatorPod)).StandardOutput.Contains("watching FjordClusters in (all)", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), () => $"the operator watching every namespace:\n{server.Kubectl("logs", KubeLocalCluster.Name(operatorPod))}");
        var hooks = server.MustHelm("get", "hooks", "fjord");
        Assert.Contains("kind: FjordCluster", hooks);
        Assert.Contains("kind: FjordTopic", hooks);
        Assert.Equal("fjord 2", server.MustKubectl("get", "fjordtopic", "clicks", "-o", "jsonpath={.spec.clusterRef.name} {.spec.partitions}"));

        Eventually.True(() => ClusterCondition("Ready") == "True", TimeSpan.FromMinutes(4),
            () => $"FjordCluster fjord Ready; status {server.Kubectl("get", "fjordcluster", "fjord", "-o", "jsonpath={.status}")}\n--- operator log\n{server.Kubectl("logs", KubeLocalCluster.Name(operatorPod)).StandardOutput}\n--- node\n{_cluster.NodeOutput}");
        var ready = clock.Elapsed;
        output.WriteLine($"helm install --wait: {installed.TotalSeconds:F1} s; helm install to a Ready 3-broker FjordCluster: {ready.TotalSeconds:F1} s");
        var brokers = _cluster.Pods("app.kubernetes.io/component=broker,app.kubernetes.io/instance=fjord");
        Assert.Equal(3, brokers.Count(KubeLocalCluster.IsReady));

        server.MustKubectlWithInput(File.ReadAllText(Path.Combine(KubeTools.RepoRoot, "deploy", "examples", "topic.yaml")).Replace("my-cluster", "fjord", StringComparison.Ordinal), "apply", "-f", "-");
        Assert.Equal("fjord 6 Retain", server.MustKubectl("get", "fjordtopic", "orders", "-o", "jsonpath={.spec.clusterRef.name} {.spec.partitions} {.spec.deletionPolicy}"));
        foreach (var (topic, partitions) in new[] { ("clicks", 2), ("orders", 6) })
        {
            Eventually.True(() => server.Kubectl("get", "fjordtopic", topic, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}").StandardOutput == "True",
                TimeSpan.FromSeconds(90), () => $"FjordTopic {topic} Ready; status {server.Kubectl("get", "fjordtopic", topic, "-o", "jsonpath={.status}").StandardOutput}");
            Assert.Equal(partitions.ToString(System.Globalization.CultureInfo.InvariantCulture),
                server.MustKubectl("get", "fjordtopic", topic, "-o", "jsonpath={.status.partitionCount}"));
        }

        var changed = ChartWithChangedTopicCrd();
        try
        {
            var upgrade = server.MustHelm(["upgrade", "fjord", changed, .. values, "--wait", "--timeout", "110s"]);
            Assert.Contains("has been upgraded", upgrade);
        }
        finally
        {
            Directory.Delete(changed, recursive: true);
        }
        Assert.Equal(ChangedDescription, server.MustKubectl("get", "crd", "fjordtopics.fjord.dev", "-o", "jsonpath={.spec.versions[0].schema.openAPIV3Schema.description}"));
        var manifest = server.MustHelm("get", "manifest", "fjord");
        Assert.Contains("kind: FjordCluster", manifest);
        Assert.Contains("kind: FjordTopic", manifest);
        Assert.Equal("True", ClusterCondition("Ready"));

        Assert.Contains("release \"fjord\" uninstalled", server.MustHelm("uninstall", "fjord", "--wait", "--timeout", "110s"));
        Eventually.True(() => _cluster.Pods("app.kubernetes.io/component=operator").Count == 0 && OperatorProcesses().Count == 0,
            TimeSpan.FromSeconds(60), "the operator's pod and process gone after helm uninstall");
        Assert.Contains("No resources found", server.Kubectl("get", "deployment", "-l", "app.kubernetes.io/component=operator").StandardError);
        server.MustKubectl("get", "crd", "fjordclusters.fjord.dev", "fjordtopics.fjord.dev");
        server.MustKubectl("get", "fjordcluster", "fjord");
        server.MustKubectl("get", "fjordtopic", "orders", "clicks");
        var claims = server.MustKubectl("get", "pvc", "-o", "jsonpath={.items[*].metadata.name}");
        Assert.Equal(3, claims.Split(' ').Length);

        // Deleting the cluster by hand takes its StatefulSet (owner references); the claims stay (deleteClaim false).
        server.MustKubectl("delete", "fjordcluster", "fjord", "--wait", "--timeout=60s");
        Eventually.True(() => server.Kubectl("get", "statefulset", "fjord").ExitCode != 0 && _cluster.Pods("app.kubernetes.io/component=broker,app.kubernetes.io/instance=fjord").Count == 0,
            TimeSpan.FromSeconds(90), "the StatefulSet and broker pods collected after the FjordCluster's deletion");
        Assert.Equal(claims, server.MustKubectl("get", "pvc", "-o", "jsonpath={.items[*].metadata.name}"));
    }

    [Fact]
    public void KubectlApplyInstallYaml_WithoutHelm_OperatorInFjordSystemReconcilesAClusterInDefault()
    {
        var server = _cluster.Server;

        server.MustKubectl("apply", "--server-side", "-f", Path.Combine(KubeTools.RepoRoot, "deploy", "install.yaml"));
        Assert.Contains("successfully rolled out", server.MustKubectl("-n", "fjord-system", "rollout", "status", "deployment/fjord-operator", "--timeout=90s"));
        server.MustKubectlWithInput("""
            apiVersion: fjord.dev/v1alpha1
            kind: FjordCluster
            metadata:
              name: plain
            spec:
              replicas: 1
              controllers: 1
              storage: {size: 1Gi, deleteClaim: true}
              config: {default.replication.factor: "1", min.insync.replicas: "1"}
            """, "apply", "-f", "-");

        Eventually.True(() => server.Kubectl("get", "fjordcluster", "plain", "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}").StandardOutput == "True",
            TimeSpan.FromMinutes(4), () => $"FjordCluster plain Ready; status {server.Kubectl("get", "fjordcluster", "plain", "-o", "jsonpath={.status}")}\n--- operator log\n{server.Kubectl("-n", "fjord-system", "logs", "deployment/fjord-operator").StandardOutput}");
        Assert.Equal("data-plain-0", server.MustKubectl("get", "pvc", "-o", "jsonpath={.items[*].metadata.name}"));

        // deleteClaim: the StatefulSet's claim retention policy Delete takes the claim (and its data) with the cluster.
        server.MustKubectl("delete", "fjordcluster", "plain", "--wait", "--timeout=60s");
        Eventually.True(() => server.MustKubectl("get", "pvc", "-o", "jsonpath={.items[*].metadata.name}") == ""
                && !Directory.Exists(Path.Combine(server.StateDirectory, "volumes", "default", "data-plain-0")),
            TimeSpan.FromSeconds(90), () => $"the claim collected with FjordCluster plain (deleteClaim); claims: {server.Kubectl("get", "pvc").StandardOutput}");
    }

    private const string ChangedDescription = "A Kafka topic of a FjordCluster (changed by a helm upgrade test).";

    private string? ClusterCondition(string type)
    {
        var result = _cluster.Server.Kubectl("get", "fjordcluster", "fjord", "-o", $"jsonpath={{.status.conditions[?(@.type==\"{type}\")].status}}");
        return result.ExitCode == 0 ? result.StandardOutput : null;
    }

    /// <summary>A copy of the chart whose FjordTopic CRD carries a different top-level description.</summary>
    private static string ChartWithChangedTopicCrd()
    {
        var copy = Directory.CreateTempSubdirectory("fjord-chart-").FullName;
        foreach (var file in Directory.GetFiles(ChartRenderer.ChartDirectory, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(ChartRenderer.ChartDirectory, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        var crd = Path.Combine(copy, "files", "crds", "fjord.dev_fjordtopics.yaml");
        var document = ChartRenderer.Split(File.ReadAllText(crd)).Single();
        var schema = document.Json["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!;
        schema["description"] = ChangedDescription;
        // JSON is YAML: helm's fromYaml reads it as the original.
        File.WriteAllText(crd, document.Json.ToJsonString());
        return copy;
    }

    /// <summary>Host processes running the built operator for this kube-local (its KUBECONFIG is in the state directory).</summary>
    private List<int> OperatorProcesses()
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains("fjord-operator.dll", StringComparison.Ordinal)
                    && File.ReadAllText(Path.Combine(dir, "environ")).Contains(_cluster.Server.StateDirectory, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Exited while we looked, or not ours.
            }
        }
        return found;
    }
}
