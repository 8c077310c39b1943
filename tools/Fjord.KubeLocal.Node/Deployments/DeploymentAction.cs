using k8s.Models;

namespace Fjord.KubeLocal.Node.Deployments;

/// <summary>One write the Deployment controller makes, in plan order.</summary>
internal abstract record DeploymentAction
{
    public sealed record CreateReplicaSet(V1ReplicaSet ReplicaSet) : DeploymentAction;

    /// <summary>Sets <c>spec.replicas</c> of an owned ReplicaSet (a PUT with its resourceVersion).</summary>
    public sealed record ScaleReplicaSet(string Name, int Replicas) : DeploymentAction;

    /// <summary>Removes an old, empty ReplicaSet beyond <c>revisionHistoryLimit</c>.</summary>
    public sealed record DeleteReplicaSet(string Name) : DeploymentAction;
}
