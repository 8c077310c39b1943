namespace Fjord.Operator.Topics;

/// <summary>
/// A Kafka topic as the cluster describes it: id, partitions by index, and its explicitly set configs (not the defaults).
/// Immutable.
/// </summary>
public sealed record ObservedTopic(string Name, string TopicId, IReadOnlyList<ObservedPartition> Partitions,
    IReadOnlyDictionary<string, string> Configs)
{
    public bool Reassigning => Partitions.Any(p => p.Reassigning);

    /// <summary>The largest replica set once reassignments finish (a topic's RF, as Kafka's tools report it).</summary>
    public int ReplicationFactor => Partitions.Count == 0 ? 0 : Partitions.Max(p => p.TargetReplicationFactor);
}
