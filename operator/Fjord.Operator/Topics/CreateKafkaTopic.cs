using Fjord.Operator.Reconciling;

namespace Fjord.Operator.Topics;

/// <summary>Create the Kafka topic; -1 partitions or replication factor: the broker's default.</summary>
public sealed record CreateKafkaTopic(string Name, int Partitions, int ReplicationFactor, IReadOnlyDictionary<string, string> Configs) : ReconcileAction;
