using k8s.Models;

namespace Fjord.KubeLocal.Node.StatefulSets;

/// <summary>One write the StatefulSet controller makes, in plan order.</summary>
internal abstract record StatefulSetAction
{
    /// <summary>Creates a claim from a <c>volumeClaimTemplate</c>; it is never deleted by the controller.</summary>
    public sealed record CreateClaim(V1PersistentVolumeClaim Claim) : StatefulSetAction;

    /// <summary>
    /// Replaces a claim's owner references (<see cref="ClaimRetention"/>); the garbage collector deletes the claim once
    /// every owner is gone. Guarded by the claim's resourceVersion.
    /// </summary>
    public sealed record SetClaimOwners(string Name, string ResourceVersion, IList<V1OwnerReference> OwnerReferences) : StatefulSetAction;

    public sealed record CreatePod(V1Pod Pod) : StatefulSetAction;

    public sealed record DeletePod(string Name) : StatefulSetAction;
}
