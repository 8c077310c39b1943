namespace Fjord.Operator.Reconciling;

/// <summary>Ask the controller (admin DrainBroker) to move every replica off a broker before scale-in. Idempotent.</summary>
public sealed record DrainBroker(int BrokerId) : ReconcileAction;
