namespace Fjord.Operator.Reconciling;

/// <summary>Admin AddVoter (<paramref name="Add"/>) or RemoveVoter for one node (KIP-853): one change at a time.</summary>
public sealed record ChangeVoter(int NodeId, bool Add) : ReconcileAction;
