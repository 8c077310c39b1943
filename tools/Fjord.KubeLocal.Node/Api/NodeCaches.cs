using k8s.Models;

namespace Fjord.KubeLocal.Node.Api;

/// <summary>The informers kube-local-node shares between its controllers and its kubelet (one watch per resource).</summary>
internal sealed record NodeCaches(
    Informer<V1Pod> Pods,
    Informer<V1StatefulSet> StatefulSets,
    Informer<V1Deployment> Deployments,
    Informer<V1ReplicaSet> ReplicaSets,
    Informer<V1PodDisruptionBudget> DisruptionBudgets,
    Informer<V1PersistentVolumeClaim> Claims,
    Informer<V1ConfigMap> ConfigMaps,
    Informer<V1Secret> Secrets,
    Informer<V1Service> Services)
{
    public IEnumerable<Task> AllSynced =>
        [Pods.Synced, StatefulSets.Synced, Deployments.Synced, ReplicaSets.Synced, DisruptionBudgets.Synced, Claims.Synced, ConfigMaps.Synced, Secrets.Synced, Services.Synced];

    public IEnumerable<Task> RunAll(CancellationToken cancel) =>
        [Pods.RunAsync(cancel), StatefulSets.RunAsync(cancel), Deployments.RunAsync(cancel), ReplicaSets.RunAsync(cancel),
         DisruptionBudgets.RunAsync(cancel), Claims.RunAsync(cancel), ConfigMaps.RunAsync(cancel), Secrets.RunAsync(cancel), Services.RunAsync(cancel)];

    /// <summary>Pods in a namespace whose controller reference has this UID.</summary>
    public List<V1Pod> PodsControlledBy(string ns, string ownerUid) =>
        Pods.List().Where(p => p.Metadata.NamespaceProperty == ns && Workloads.PodState.IsControlledBy(p, ownerUid)).ToList();
}
