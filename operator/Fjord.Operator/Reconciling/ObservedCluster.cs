using Fjord.Operator.Crds;
using Fjord.Operator.DesiredState;
using k8s.Models;

namespace Fjord.Operator.Reconciling;

/// <summary>
/// Everything a FjordCluster reconcile reads, gathered by the host from its informer caches and the admin API.
/// Objects are null when they do not exist. <paramref name="Now"/> comes from the host's TimeProvider.
/// </summary>
public sealed record ObservedCluster(
    V1Alpha1FjordCluster Cluster,
    ObservedCapabilities Capabilities,
    V1ConfigMap? ConfigMap,
    V1Service? HeadlessService,
    V1Service? BootstrapService,
    V1StatefulSet? StatefulSet,
    V1PodDisruptionBudget? PodDisruptionBudget,
    bool ServiceMonitorExists,
    IReadOnlyList<ObservedPod> Pods,
    ObservedClusterHealth Health,
    DateTimeOffset Now);
