namespace Fjord.Coordinator.ConsumerOffsets;

/// <summary>A KIP-848 group's epoch (key version 3, ConsumerGroupMetadataValue); a tombstone deletes the group.</summary>
public sealed record ConsumerGroupMetadataRecord(string GroupId, int? Epoch) : CoordinatorRecord
{
    public override string GroupId { get; } = GroupId;

    public override bool IsTombstone => Epoch is null;

    /// <summary>
    /// The subscribed topics the epoch was computed for, as the coordinator that wrote the record saw them.
    /// Not persisted: a record read back has null, so the first heartbeat after loading recomputes the
    /// assignment against the topics as they are then.
    /// </summary>
    public string? SubscribedTopicsFingerprint { get; init; }
}
