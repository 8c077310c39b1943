using System.Collections.Immutable;

namespace Fjord.Metadata.Balancing;

/// <summary>
/// The planner's answer: the reassignments to run (in topic, partition order), each broker's load before and after,
/// and replicas that could not leave a draining broker (the replication factor is never lowered to make room).
/// Immutable.
/// </summary>
public sealed record BalancePlan(
    ImmutableArray<PartitionMove> Moves,
    ImmutableArray<BrokerLoad> Before,
    ImmutableArray<BrokerLoad> After,
    ImmutableArray<UnplaceableReplica> Unplaceable)
{
    /// <summary>Bytes copied over the network if every move runs.</summary>
    public long BytesToMove => Moves.Sum(m => m.BytesMoved);

    /// <summary>Moves that copy data (not only a new preferred leader).</summary>
    public int ReplicaMoves => Moves.Count(m => m.CopiesData);
}
