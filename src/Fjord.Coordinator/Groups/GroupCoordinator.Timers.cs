using Fjord.Protocol.Errors;

namespace Fjord.Coordinator.Groups;

public sealed partial class GroupCoordinator
{
    /// <summary>
    /// Evaluates every deadline that has passed at the TimeProvider's now: KIP-394 member ids that were
    /// never used, member sessions, the join phase (initial delay or rebalance timeout), members that
    /// never sent SyncGroup, and (every offsets.retention.check.interval.ms) offset expiry. The shell
    /// calls it periodically; calling it more often only costs time.
    /// </summary>
    public CoordinatorOutput Tick()
    {
        Begin();
        var now = Now;
        foreach (var group in _groups.Values.ToList())
        {
            if (PartitionState(group.Partition) != CoordinatorPartitionState.Active)
            {
                continue;
            }

            foreach (var (memberId, deadline) in group.PendingMembers.ToList())
            {
                if (now >= deadline)
                {
                    RemovePendingMember(group, memberId);
                }
            }

            foreach (var member in group.Members.ToList())
            {
                if (now < member.HeartbeatDeadlineMs || !group.Has(member.MemberId))
                {
                    continue;
                }

                // Members waiting on a rebalance owe no heartbeat (the rebalance timeout bounds them),
                // except new members that never completed a join (KIP-394's ghost members).
                if (!member.IsNew && (member.IsAwaitingJoin || member.IsAwaitingSync))
                {
                    member.HeartbeatDeadlineMs = now + member.SessionTimeoutMs;
                    continue;
                }

                RemoveMemberAndUpdateGroup(group, member);
            }

            if (group.State == GroupState.PreparingRebalance && group.JoinDeadlineMs >= 0 && now >= group.JoinDeadlineMs)
            {
                OnJoinDeadline(group);
            }

            if (group.SyncDeadlineMs >= 0 && now >= group.SyncDeadlineMs)
            {
                OnSyncDeadline(group);
            }
        }

        ExpireConsumerGroupMembers(now);
        if (now >= _nextOffsetExpiryCheckMs)
        {
            if (_nextOffsetExpiryCheckMs >= 0)
            {
                ExpireOffsets(now);
            }

            _nextOffsetExpiryCheckMs = now + _config.OffsetsRetentionCheckIntervalMs;
        }

        return FinishOutput();
    }

    /// <summary>Members that got their JoinGroup response but never synced are dropped, and the group rebalances without them.</summary>
    private void OnSyncDeadline(ClassicGroup group)
    {
        group.SyncDeadlineMs = -1;
        if (group.State is not (GroupState.CompletingRebalance or GroupState.Stable) || group.PendingSyncMembers.Count == 0)
        {
            return;
        }

        foreach (var memberId in group.PendingSyncMembers.ToList())
        {
            if (group.Get(memberId) is { } member)
            {
                FailParked(member, ErrorCode.UnknownMemberId);
                group.Remove(memberId);
            }
        }

        group.PendingSyncMembers.Clear();
        MaybePrepareRebalance(group);
    }
}
