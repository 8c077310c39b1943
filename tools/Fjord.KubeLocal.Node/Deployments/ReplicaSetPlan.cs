using k8s.Models;

namespace Fjord.KubeLocal.Node.Deployments;

/// <summary>What one ReplicaSet sync does: pods to create, pods to delete, the status to write.</summary>
internal sealed record ReplicaSetPlan(IReadOnlyList<V1Pod> Create, IReadOnlyList<string> Delete, V1ReplicaSetStatus Status);
