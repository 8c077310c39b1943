namespace Fjord.Operator.DesiredState;

/// <summary>The labels and annotation keys the operator puts on what it owns. Thread-safe (stateless).</summary>
public static class ClusterLabels
{
    public const string Name = "app.kubernetes.io/name";
    public const string Instance = "app.kubernetes.io/instance";
    public const string Component = "app.kubernetes.io/component";
    public const string ManagedBy = "app.kubernetes.io/managed-by";
    public const string Cluster = "fjord.dev/cluster";

    /// <summary>On the bootstrap Service only, so the ServiceMonitor scrapes each broker once (not via both Services).</summary>
    public const string ServiceRole = "fjord.dev/service";
    public const string BootstrapRole = "bootstrap";

    /// <summary>On the pod template: hash of the static configs, so a static change makes a new template revision.</summary>
    public const string StaticConfigHashAnnotation = "fjord.dev/static-config-hash";

    /// <summary>Kubernetes (1.28+) labels each StatefulSet pod with its ordinal; the broker's node id comes from it.</summary>
    public const string PodIndexLabel = "apps.kubernetes.io/pod-index";

    public const string OperatorName = "fjord-operator";

    /// <summary>Labels that select a cluster's broker pods (StatefulSet selector, Services, PDB). Never change them: selectors are immutable.</summary>
    public static Dictionary<string, string> Selector(string cluster) => new(StringComparer.Ordinal)
    {
        [Name] = "fjord",
        [Instance] = cluster,
        [Component] = "broker",
    };

    /// <summary>Selector labels plus the informational ones, for every owned object.</summary>
    public static Dictionary<string, string> Common(string cluster)
    {
        var labels = Selector(cluster);
        labels[ManagedBy] = OperatorName;
        labels[Cluster] = cluster;
        return labels;
    }

    public static string SelectorString(string cluster) =>
        string.Join(",", Selector(cluster).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
}
