using System.Collections.Immutable;

namespace Fjord.Coordinator.ConsumerGroups;

/// <summary>
/// A KIP-848 member's current assignment (Kafka's ConsumerGroupCurrentMemberAssignmentValue): its epoch,
/// the epoch before (a heartbeat whose response was lost may still use it), its reconciliation state,
/// the partitions it owns and those it must give up. Immutable.
/// </summary>
public sealed record ConsumerGroupMemberAssignment(
    int MemberEpoch,
    int PreviousMemberEpoch,
    ConsumerGroupMemberState State,
    ImmutableSortedSet<TopicIdPartition> AssignedPartitions,
    ImmutableSortedSet<TopicIdPartition> PartitionsPendingRevocation)
{
    /// <summary>A member that just joined: epoch 0, nothing owned.</summary>
    public static ConsumerGroupMemberAssignment Joining { get; } = new(0, 0, ConsumerGroupMemberState.Stable, [], []);

    /// <summary>Value equality including the partition sets.</summary>
    public bool SameAs(ConsumerGroupMemberAssignment other) =>
        MemberEpoch == other.MemberEpoch
        && PreviousMemberEpoch == other.PreviousMemberEpoch
        && State == other.State
        && AssignedPartitions.SetEquals(other.AssignedPartitions)
        && PartitionsPendingRevocation.SetEquals(other.PartitionsPendingRevocation);
}
