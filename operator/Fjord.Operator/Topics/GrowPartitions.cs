using Fjord.Operator.Reconciling;

namespace Fjord.Operator.Topics;

/// <summary>Add partitions to the Kafka topic up to <paramref name="Partitions"/> (never fewer: Kafka cannot shrink).</summary>
public sealed record GrowPartitions(string Name, int Partitions) : ReconcileAction;
