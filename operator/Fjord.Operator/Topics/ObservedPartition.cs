namespace Fjord.Operator.Topics;

/// <summary>One partition as the cluster's admin DescribeTopics reports it. Immutable.</summary>
public sealed record ObservedPartition(
    int Partition,
    int Leader,
    IReadOnlyList<int> Replicas,
    IReadOnlyList<int> Isr,
    IReadOnlyList<int> AddingReplicas,
    IReadOnlyList<int> RemovingReplicas)
{
    /// <summary>A reassignment is moving this partition's replicas.</summary>
    public bool Reassigning => AddingReplicas.Count > 0 || RemovingReplicas.Count > 0;

    /// <summary>The replication factor the partition will have once its reassignment (if any) completes.</summary>
    public int TargetReplicationFactor => Replicas.Count - RemovingReplicas.Count;
}
