using Fjord.Operator.Crds;

namespace Fjord.Operator.Reconciling;

/// <summary>Write the FjordCluster's status subresource.</summary>
public sealed record UpdateClusterStatus(V1Alpha1FjordClusterStatus Status) : ReconcileAction;
