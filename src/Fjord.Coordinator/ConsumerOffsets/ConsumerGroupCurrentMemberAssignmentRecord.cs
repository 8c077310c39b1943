using Fjord.Coordinator.ConsumerGroups;

namespace Fjord.Coordinator.ConsumerOffsets;

/// <summary>A KIP-848 member's epoch, state and owned partitions (key version 8).</summary>
public sealed record ConsumerGroupCurrentMemberAssignmentRecord(string GroupId, string MemberId, ConsumerGroupMemberAssignment? Value) : CoordinatorRecord
{
    public override string GroupId { get; } = GroupId;

    public override bool IsTombstone => Value is null;
}
