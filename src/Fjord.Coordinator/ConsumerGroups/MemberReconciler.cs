using System.Collections.Immutable;

namespace Fjord.Coordinator.ConsumerGroups;

/// <summary>
/// KIP-848's reconciliation of one member towards its target assignment (the role of Kafka's
/// CurrentAssignmentBuilder): revoke before assign. A member that owns partitions its target no longer
/// holds keeps its epoch and gets them as PartitionsPendingRevocation until its heartbeat shows it let
/// them go; only then does it move to the target epoch, and even then it receives only the partitions no
/// other member still owns (UNRELEASED_PARTITIONS until they are released). So no partition is ever
/// assigned to two members at once. Pure: thread-safe, no state.
/// </summary>
public static class MemberReconciler
{
    /// <param name="current">The member's assignment now.</param>
    /// <param name="targetEpoch">The group's assignment epoch.</param>
    /// <param name="target">The member's partitions in the target assignment.</param>
    /// <param name="ownedByClient">The partitions the heartbeat says the member owns; null when it did not say (it is then assumed to own what it was given).</param>
    /// <param name="isOwnedByOther">Whether another member owns or is still revoking a partition.</param>
    public static ConsumerGroupMemberAssignment Reconcile(
        ConsumerGroupMemberAssignment current,
        int targetEpoch,
        ImmutableSortedSet<TopicIdPartition> target,
        IReadOnlyCollection<TopicIdPartition>? ownedByClient,
        Func<TopicIdPartition, bool> isOwnedByOther)
    {
        switch (current.State)
        {
            case ConsumerGroupMemberState.Stable when current.MemberEpoch == targetEpoch:
                return current;
            case ConsumerGroupMemberState.UnrevokedPartitions when StillOwnsAny(ownedByClient, current.PartitionsPendingRevocation):
                return current;
            case ConsumerGroupMemberState.UnrevokedPartitions:
                // Revocation is acknowledged: the pending partitions are free now, the member moves on.
                return Next(current with { PartitionsPendingRevocation = [] }, targetEpoch, target, ownedByClient, isOwnedByOther);
            default:
                return Next(current, targetEpoch, target, ownedByClient, isOwnedByOther);
        }
    }

    private static ConsumerGroupMemberAssignment Next(
        ConsumerGroupMemberAssignment current,
        int targetEpoch,
        ImmutableSortedSet<TopicIdPartition> target,
        IReadOnlyCollection<TopicIdPartition>? ownedByClient,
        Func<TopicIdPartition, bool> isOwnedByOther)
    {
        var kept = current.AssignedPartitions.Intersect(target);
        var revoke = current.AssignedPartitions.Except(target);
        if (!revoke.IsEmpty && StillOwnsAny(ownedByClient, revoke))
        {
            // Revoke first; the epoch stays so commits for the revoked partitions are still accepted.
            return new ConsumerGroupMemberAssignment(current.MemberEpoch, current.PreviousMemberEpoch, ConsumerGroupMemberState.UnrevokedPartitions, kept, revoke);
        }

        var builder = kept.ToBuilder();
        var unreleased = false;
        foreach (var partition in target)
        {
            if (kept.Contains(partition))
            {
                continue;
            }

            if (isOwnedByOther(partition))
            {
                unreleased = true;
            }
            else
            {
                builder.Add(partition);
            }
        }

        var previous = current.MemberEpoch == targetEpoch ? current.PreviousMemberEpoch : current.MemberEpoch;
        var state = unreleased ? ConsumerGroupMemberState.UnreleasedPartitions : ConsumerGroupMemberState.Stable;
        return new ConsumerGroupMemberAssignment(targetEpoch, previous, state, builder.ToImmutable(), []);
    }

    private static bool StillOwnsAny(IReadOnlyCollection<TopicIdPartition>? ownedByClient, ImmutableSortedSet<TopicIdPartition> partitions)
    {
        if (ownedByClient is null)
        {
            return !partitions.IsEmpty;
        }

        foreach (var partition in ownedByClient)
        {
            if (partitions.Contains(partition))
            {
                return true;
            }
        }

        return false;
    }
}
