namespace Fjord.Operator.Reconciling;

/// <summary>Admin ElectLeaders (preferred, every partition): leaders go back to the first replica of each partition.</summary>
public sealed record ElectPreferredLeaders : ReconcileAction;
