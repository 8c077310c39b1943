namespace Fjord.Coordinator.ConsumerGroups;

/// <summary>
/// Where a KIP-848 member is in reconciling towards its target assignment. The byte values are the
/// ones Kafka writes in ConsumerGroupCurrentMemberAssignmentValue.State.
/// </summary>
public enum ConsumerGroupMemberState : byte
{
    /// <summary>The member owns exactly its assignment at its epoch.</summary>
    Stable = 0,

    /// <summary>The member must give up partitions (PartitionsPendingRevocation) before it may move to the next epoch.</summary>
    UnrevokedPartitions = 1,

    /// <summary>The member is at the target epoch but waits for partitions other members still own.</summary>
    UnreleasedPartitions = 2,
}
