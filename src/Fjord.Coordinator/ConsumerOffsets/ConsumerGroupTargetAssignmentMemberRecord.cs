using System.Collections.Immutable;
using Fjord.Coordinator.ConsumerGroups;

namespace Fjord.Coordinator.ConsumerOffsets;

/// <summary>One member's partitions in a KIP-848 group's target assignment (key version 7).</summary>
public sealed record ConsumerGroupTargetAssignmentMemberRecord(string GroupId, string MemberId, ImmutableSortedSet<TopicIdPartition>? Partitions) : CoordinatorRecord
{
    public override string GroupId { get; } = GroupId;

    public override bool IsTombstone => Partitions is null;
}
