using Fjord.Operator.Reconciling;

namespace Fjord.Operator.Topics;

/// <summary>Delete the Kafka topic (the FjordTopic is being deleted with deletionPolicy Delete).</summary>
public sealed record DeleteKafkaTopic(string Name) : ReconcileAction;
