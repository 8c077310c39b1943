using Fjord.Operator.Reconciling;

namespace Fjord.Operator.Topics;

/// <summary>
/// Give every partition of the topic <paramref name="ReplicationFactor"/> replicas through the cluster's balancer
/// (admin ExecuteBalance with the factor, drain-only so nothing else moves): it places the replicas, throttles the copy
/// at <paramref name="ThrottleBytesPerSecond"/> (the FjordCluster's spec.rebalance.throttleBytesPerSecond; 0: none) and
/// removes the throttle when the replicas are in place.
/// </summary>
public sealed record ChangeReplicationFactor(string Name, int ReplicationFactor, long ThrottleBytesPerSecond) : ReconcileAction;
