namespace Fjord.Operator.Reconciling;

/// <summary>Remove a drained broker whose pod is gone from the cluster metadata (admin UnregisterBroker).</summary>
public sealed record UnregisterBroker(int BrokerId) : ReconcileAction;
