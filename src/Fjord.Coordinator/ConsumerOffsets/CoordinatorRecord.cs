namespace Fjord.Coordinator.ConsumerOffsets;

/// <summary>
/// One record of the compacted <c>__consumer_offsets</c> topic, decoded: a committed offset or a
/// group's metadata snapshot. A null value is a tombstone (the offset or the group was deleted);
/// compaction then drops every older record with the same key. Immutable; safe from any thread.
/// </summary>
public abstract record CoordinatorRecord
{
    /// <summary>The group the record belongs to; it decides the <c>__consumer_offsets</c> partition.</summary>
    public abstract string GroupId { get; }

    /// <summary>True for a tombstone (null value).</summary>
    public abstract bool IsTombstone { get; }
}

/// <summary>
/// A committed offset: key version 1 (group, topic, partition) and value version 3, or a tombstone
/// when the offset was deleted (OffsetDelete, DeleteGroups, expiry).
/// </summary>
public sealed record OffsetCommitRecord(string GroupId, string Topic, int Partition, OffsetCommitValue? Value) : CoordinatorRecord
{
    public override string GroupId { get; } = GroupId;

    public override bool IsTombstone => Value is null;
}

/// <summary>
/// A classic group's metadata snapshot: key version 2 (group) and value version 3, or a tombstone
/// when the group was deleted or expired.
/// </summary>
public sealed record GroupMetadataRecord(string GroupId, GroupMetadataValue? Value) : CoordinatorRecord
{
    public override string GroupId { get; } = GroupId;

    public override bool IsTombstone => Value is null;
}
