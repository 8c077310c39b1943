using System.Collections.Immutable;

namespace Fjord.Coordinator.ConsumerGroups;

/// <summary>
/// One member of a <see cref="ConsumerGroup"/>: its persisted metadata, current assignment and target
/// assignment (each replayed from its own record), plus the in-memory session and revocation deadlines.
/// Not thread-safe; owned by the coordinator's event loop.
/// </summary>
public sealed class ConsumerGroupMember(string memberId, ConsumerGroupMemberMetadata metadata)
{
    public string MemberId { get; } = memberId;

    public ConsumerGroupMemberMetadata Metadata { get; set; } = metadata;

    public ConsumerGroupMemberAssignment Assignment { get; set; } = ConsumerGroupMemberAssignment.Joining;

    /// <summary>What the assignor gave this member at the group's assignment epoch.</summary>
    public ImmutableSortedSet<TopicIdPartition> Target { get; set; } = [];

    /// <summary>When the member is fenced for missing heartbeats (group.consumer.session.timeout.ms); not persisted.</summary>
    public long SessionDeadlineMs { get; set; } = long.MaxValue;

    /// <summary>When the member is fenced for not revoking partitions (its rebalance timeout); -1 while nothing is pending.</summary>
    public long RevocationDeadlineMs { get; set; } = -1;

    /// <summary>
    /// A classic member only: when it is removed for not sending the JoinGroup it was asked for (REBALANCE_IN_PROGRESS)
    /// or the SyncGroup that follows a JoinGroup, within its rebalance timeout (Kafka's join and sync timeouts);
    /// -1 while it owes neither. Not persisted.
    /// </summary>
    public long ClassicRebalanceDeadlineMs { get; set; } = -1;
}
