using Fjord.Coordinator.ConsumerGroups;

namespace Fjord.Coordinator.ConsumerOffsets;

/// <summary>A KIP-848 member's metadata and subscription (key version 5); a tombstone removes the member.</summary>
public sealed record ConsumerGroupMemberMetadataRecord(string GroupId, string MemberId, ConsumerGroupMemberMetadata? Value) : CoordinatorRecord
{
    public override string GroupId { get; } = GroupId;

    public override bool IsTombstone => Value is null;
}
