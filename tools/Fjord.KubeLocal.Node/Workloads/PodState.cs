using k8s.Models;

namespace Fjord.KubeLocal.Node.Workloads;

/// <summary>
/// How controllers read a pod's health, as kube-controller-manager's podutil does. Pure; any thread.
/// </summary>
internal static class PodState
{
    public static bool IsTerminating(V1Pod pod) => pod.Metadata.DeletionTimestamp is not null;

    public static bool IsFinished(V1Pod pod) => pod.Status?.Phase is "Succeeded" or "Failed";

    /// <summary>Counted by ReplicaSets and PDBs: neither terminating nor finished.</summary>
    public static bool IsActive(V1Pod pod) => !IsTerminating(pod) && !IsFinished(pod);

    public static bool IsReady(V1Pod pod) =>
        pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    /// <summary>StatefulSet's gate for OrderedReady: phase Running, Ready, not being deleted.</summary>
    public static bool IsRunningAndReady(V1Pod pod) =>
        pod.Status?.Phase == "Running" && IsReady(pod) && !IsTerminating(pod);

    public static bool IsControlledBy(V1Pod pod, string ownerUid) =>
        pod.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Uid == ownerUid) == true;

    public static V1OwnerReference? ControllerOf(IMetadata<V1ObjectMeta> obj) =>
        obj.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true);
}
