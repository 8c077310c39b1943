using System.Text.Json.Nodes;
using k8s.Models;

namespace Fjord.Operator.DesiredState;

/// <summary>
/// Every object one FjordCluster should own, as computed by <see cref="ClusterObjectsPlanner"/>. The ServiceMonitor is a
/// plain JSON object because its type is the Prometheus Operator's, not a KubernetesClient model; null when it should
/// not exist. Immutable by convention (callers do not mutate it).
/// </summary>
public sealed record DesiredClusterObjects(
    V1ConfigMap ConfigMap,
    V1Service HeadlessService,
    V1Service BootstrapService,
    V1StatefulSet StatefulSet,
    V1PodDisruptionBudget PodDisruptionBudget,
    JsonObject? ServiceMonitor,
    IReadOnlyDictionary<string, string> DynamicConfigs);
