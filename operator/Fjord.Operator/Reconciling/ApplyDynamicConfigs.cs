namespace Fjord.Operator.Reconciling;

/// <summary>Set and delete cluster-wide dynamic broker configs (KIP-226) without restarting a broker.</summary>
public sealed record ApplyDynamicConfigs(IReadOnlyDictionary<string, string> Set, IReadOnlyList<string> Delete) : ReconcileAction;
