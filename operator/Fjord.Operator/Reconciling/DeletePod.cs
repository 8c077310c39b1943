namespace Fjord.Operator.Reconciling;

/// <summary>Delete a broker pod so the StatefulSet (OnDelete) recreates it from the current template: one rolling step.
/// The broker's SIGTERM handler does the controlled shutdown (KIP-841) before it exits.</summary>
public sealed record DeletePod(string Name, int Ordinal, string Reason) : ReconcileAction;
