namespace Fjord.Operator.Reconciling;

/// <summary>
/// Start the controller's built-in balancer (admin ExecuteBalance): even out the cluster, or with
/// <paramref name="DrainOnly"/> only move every replica off <paramref name="DrainBrokers"/>. The host treats
/// REASSIGNMENT_IN_PROGRESS as "already running" (the next reconcile polls DescribeBalance).
/// </summary>
public sealed record ExecuteBalance(IReadOnlyList<int> DrainBrokers, bool DrainOnly, long ThrottleBytesPerSecond) : ReconcileAction;
