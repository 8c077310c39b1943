namespace Fjord.Coordinator.ConsumerGroups;

/// <summary>
/// A KIP-848 consumer group as replayed from its records: the group epoch (bumped whenever membership,
/// subscriptions or subscribed topics change), the epoch of the target assignment, and the members.
/// Committed offsets are kept with the classic groups' offsets under the same group id.
/// Not thread-safe; owned by the coordinator's event loop.
/// </summary>
public sealed class ConsumerGroup(string groupId, int partition)
{
    public string GroupId { get; } = groupId;

    /// <summary>The <c>__consumer_offsets</c> partition that holds the group.</summary>
    public int Partition { get; } = partition;

    public int GroupEpoch { get; set; }

    public int AssignmentEpoch { get; set; }

    /// <summary>Members by id, in id order so assignors see them deterministically.</summary>
    public SortedDictionary<string, ConsumerGroupMember> Members { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The subscribed topics (name, id, partition count) the current group epoch was computed for; null
    /// after loading, so the first heartbeat recomputes the assignment against the topics as they are now.
    /// </summary>
    public string? SubscribedTopicsFingerprint { get; set; }

    /// <summary>The group state as Kafka's ConsumerGroupDescribe reports it.</summary>
    public ConsumerGroupState State
    {
        get
        {
            if (Members.Count == 0)
            {
                return ConsumerGroupState.Empty;
            }

            if (GroupEpoch > AssignmentEpoch)
            {
                return ConsumerGroupState.Assigning;
            }

            foreach (var member in Members.Values)
            {
                if (member.Assignment.MemberEpoch != AssignmentEpoch || member.Assignment.State != ConsumerGroupMemberState.Stable)
                {
                    return ConsumerGroupState.Reconciling;
                }
            }

            return ConsumerGroupState.Stable;
        }
    }

    /// <summary>Whether another member than <paramref name="memberId"/> owns or still revokes <paramref name="partition"/>.</summary>
    public bool IsOwnedByOther(string memberId, TopicIdPartition partition)
    {
        foreach (var member in Members.Values)
        {
            if (member.MemberId != memberId && (member.Assignment.AssignedPartitions.Contains(partition) || member.Assignment.PartitionsPendingRevocation.Contains(partition)))
            {
                return true;
            }
        }

        return false;
    }
}
