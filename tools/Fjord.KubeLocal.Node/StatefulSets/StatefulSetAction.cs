using k8s.Models;

namespace Fjord.KubeLocal.Node.StatefulSets;

/// <summary>One write the StatefulSet controller makes, in plan order.</summary>
internal abstract record StatefulSetAction
{
    /// <summary>Creates a claim from a <c>volumeClaimTemplate</c>; it is never deleted by the controller.</summary>
    public sealed record CreateClaim(V1PersistentVolumeClaim Claim) : StatefulSetAction;

    public sealed record CreatePod(V1Pod Pod) : StatefulSetAction;

    public sealed record DeletePod(string Name) : StatefulSetAction;
}
