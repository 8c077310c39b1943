using System.Globalization;

namespace Fjord.Operator.DesiredState;

/// <summary>
/// Names of the objects the operator owns for one FjordCluster. The StatefulSet carries the cluster's name so pods are
/// <c>NAME-ORDINAL</c> and each has the stable DNS name <c>NAME-ORDINAL.NAME-brokers.NAMESPACE.svc</c>. Immutable.
/// </summary>
public sealed record ClusterNames(string Cluster, string Namespace)
{
    public string StatefulSet => Cluster;
    public string HeadlessService => $"{Cluster}-brokers";
    public string BootstrapService => $"{Cluster}-bootstrap";
    public string ConfigMap => $"{Cluster}-config";
    public string PodDisruptionBudget => Cluster;
    public string ServiceMonitor => Cluster;
    public string Pod(int ordinal) => $"{Cluster}-{ordinal}";

    /// <summary>The pod's stable DNS name through the headless Service (publishNotReadyAddresses, so it resolves before ready).</summary>
    public string PodHost(int ordinal) => PodHost(ordinal.ToString(CultureInfo.InvariantCulture));

    /// <summary>The same, with the ordinal as text: a pod template names its own pod with an environment reference.</summary>
    public string PodHost(string ordinal) => $"{Cluster}-{ordinal}.{HeadlessService}.{Namespace}.svc";

    public string BootstrapHost => $"{BootstrapService}.{Namespace}.svc";
}
