using System.Collections.Immutable;

namespace Fjord.Metadata.Balancing;

/// <summary>
/// One reassignment of a plan: the partition's replicas now and the target (preferred leader first); the two differ in
/// length when the plan changes the replication factor. When both hold the same brokers only the preferred leader changes, which moves no data (a reassignment to a reordered replica
/// list completes at once; a preferred-leader election then moves the leadership). Immutable.
/// </summary>
public sealed record PartitionMove(string Topic, int Partition, ImmutableArray<int> Replicas, ImmutableArray<int> TargetReplicas, long SizeBytes)
{
    /// <summary>Brokers that receive a copy of the partition.</summary>
    public ImmutableArray<int> AddingReplicas => [.. TargetReplicas.Where(b => !Replicas.Contains(b))];

    /// <summary>Brokers whose copy is deleted once the target replicas are in sync.</summary>
    public ImmutableArray<int> RemovingReplicas => [.. Replicas.Where(b => !TargetReplicas.Contains(b))];

    /// <summary>True when only the replica order (the preferred leader) changes.</summary>
    public bool LeaderOnly => AddingReplicas.IsEmpty && RemovingReplicas.IsEmpty;

    /// <summary>True when some broker receives a copy (a lowered replication factor only deletes copies).</summary>
    public bool CopiesData => !AddingReplicas.IsEmpty;

    /// <summary>The bytes copied over the network: the partition's size once per new replica.</summary>
    public long BytesMoved => SizeBytes * AddingReplicas.Length;

    /// <inheritdoc/>
    public override string ToString() => $"{Topic}-{Partition} [{string.Join(",", Replicas)}] -> [{string.Join(",", TargetReplicas)}]";
}
