using Fjord.Operator.Reconciling;

namespace Fjord.Operator.Topics;

/// <summary>Set and delete the Kafka topic's explicit configs in one call.</summary>
public sealed record AlterTopicConfigs(string Name, IReadOnlyDictionary<string, string> Set, IReadOnlyList<string> Delete) : ReconcileAction;
