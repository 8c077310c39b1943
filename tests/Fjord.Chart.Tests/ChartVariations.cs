namespace Fjord.Chart.Tests;

/// <summary>The values the chart is linted and rendered with: its defaults and the ways users change them.</summary>
public static class ChartVariations
{
    public const string Namespace = "fjord-system";

    /// <summary>What <c>helm template</c> reports when it knows the CRDs are installed (as on an upgrade).</summary>
    public static readonly string[] CrdsInstalled = ["--api-versions", "fjord.dev/v1alpha1/FjordCluster", "--api-versions", "fjord.dev/v1alpha1/FjordTopic"];

    public static readonly IReadOnlyDictionary<string, string[]> All = new Dictionary<string, string[]>
    {
        ["defaults"] = [],
        ["namespace-scoped"] = ["--set", "watchNamespaces[0]=team-a"],
        ["cluster-with-topics"] =
        [
            "--set", "cluster.enabled=true", "--set", "cluster.name=events",
            "--set", "cluster.spec.replicas=5", "--set", "cluster.spec.storage.deleteClaim=true",
            "--set", "topics[0].name=orders", "--set", "topics[0].partitions=12", "--set", "topics[0].replicas=3",
            "--set-string", "topics[0].config.retention\\.ms=604800000",
            "--set", "topics[1].name=audit", "--set", "topics[1].topicName=Audit.Log", "--set", "topics[1].deletionPolicy=Retain",
        ],
        ["monitoring"] =
        [
            "--set", "metrics.serviceMonitor.enabled=true", "--set", "metrics.serviceMonitor.labels.release=prom",
            "--set", "monitoring.prometheusRule.enabled=true", "--set", "monitoring.grafanaDashboard.enabled=true",
            "--set", "monitoring.grafanaDashboard.namespace=grafana",
        ],
        ["custom-images"] =
        [
            "--set", "image.repository=registry.example.com/fjord/fjord-operator", "--set", "image.tag=1.2.3",
            "--set", "image.pullPolicy=Always", "--set", "imagePullSecrets[0].name=regcred",
            "--set", "cluster.enabled=true", "--set", "cluster.spec.image=registry.example.com/fjord/fjord-broker:1.2.3",
        ],
        ["crds-installed-with-cluster"] = ["--set", "cluster.enabled=true", "--set", "topics[0].name=orders", .. CrdsInstalled],
        ["no-crds-single-operator-without-election"] = ["--set", "crds.install=false", "--set", "leaderElection=false", "--set", "serviceAccount.name=fjord-sa"],
    };

    public static TheoryData<string> Names() => [.. All.Keys];
}
