using k8s.Models;

namespace Fjord.KubeLocal.Node.Deployments;

/// <summary>What one Deployment sync does: the writes, then the status to write through <c>/status</c>.</summary>
internal sealed record DeploymentPlan(IReadOnlyList<DeploymentAction> Actions, V1DeploymentStatus Status);
