using Fjord.Operator.Reconciling;

namespace Fjord.Operator.Topics;

/// <summary>Reassign partitions to new replica sets (a replication-factor change), partition index → target replicas.</summary>
public sealed record ReassignReplicas(string Name, IReadOnlyDictionary<int, IReadOnlyList<int>> Targets) : ReconcileAction;
