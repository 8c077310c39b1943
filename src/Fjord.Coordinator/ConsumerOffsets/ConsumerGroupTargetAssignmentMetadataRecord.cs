namespace Fjord.Coordinator.ConsumerOffsets;

/// <summary>The epoch of a KIP-848 group's target assignment (key version 6); written after the members' targets.</summary>
public sealed record ConsumerGroupTargetAssignmentMetadataRecord(string GroupId, int? AssignmentEpoch) : CoordinatorRecord
{
    public override string GroupId { get; } = GroupId;

    public override bool IsTombstone => AssignmentEpoch is null;
}
