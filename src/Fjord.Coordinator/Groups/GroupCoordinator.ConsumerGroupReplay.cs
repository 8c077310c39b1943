using Fjord.Coordinator.ConsumerGroups;
using Fjord.Coordinator.ConsumerOffsets;

namespace Fjord.Coordinator.Groups;

public sealed partial class GroupCoordinator
{
    /// <summary>Applies a KIP-848 record; false when <paramref name="record"/> is not one.</summary>
    private bool ReplayConsumerGroupRecord(CoordinatorRecord record)
    {
        switch (record)
        {
            case ConsumerGroupMetadataRecord { Epoch: null }:
                _consumerGroups.Remove(record.GroupId);
                return true;
            case ConsumerGroupMetadataRecord { Epoch: { } epoch } metadata:
                {
                    var group = GetOrCreateConsumerGroup(record.GroupId);
                    group.GroupEpoch = epoch;
                    group.SubscribedTopicsFingerprint = metadata.SubscribedTopicsFingerprint;
                    return true;
                }

            case ConsumerGroupMemberMetadataRecord { Value: null } member:
                if (_consumerGroups.TryGetValue(record.GroupId, out var left))
                {
                    left.Members.Remove(member.MemberId);
                }

                return true;
            case ConsumerGroupMemberMetadataRecord { Value: { } value } member:
                {
                    var group = GetOrCreateConsumerGroup(record.GroupId);
                    if (group.Members.TryGetValue(member.MemberId, out var existing))
                    {
                        existing.Metadata = value;
                    }
                    else
                    {
                        // A member's session starts when it is added, and again for every member a load restores.
                        // A classic member that just joined through JoinGroup owes its SyncGroup within its rebalance timeout.
                        var joined = _classicSyncDeadlines.Remove((record.GroupId, member.MemberId), out var syncDeadline);
                        group.Members[member.MemberId] = new ConsumerGroupMember(member.MemberId, value)
                        {
                            SessionDeadlineMs = Now + SessionTimeoutOf(record.GroupId, value),
                            ClassicRebalanceDeadlineMs = joined ? syncDeadline : -1,
                        };
                    }

                    return true;
                }

            case ConsumerGroupTargetAssignmentMetadataRecord { AssignmentEpoch: { } epoch }:
                GetOrCreateConsumerGroup(record.GroupId).AssignmentEpoch = epoch;
                return true;
            case ConsumerGroupTargetAssignmentMetadataRecord:
                return true;
            case ConsumerGroupTargetAssignmentMemberRecord target:
                if (_consumerGroups.TryGetValue(record.GroupId, out var targetGroup) && targetGroup.Members.TryGetValue(target.MemberId, out var targetMember))
                {
                    targetMember.Target = target.Partitions ?? [];
                }

                return true;
            case ConsumerGroupCurrentMemberAssignmentRecord current:
                if (current.Value is { } assignment && _consumerGroups.TryGetValue(record.GroupId, out var currentGroup) && currentGroup.Members.TryGetValue(current.MemberId, out var currentMember))
                {
                    var wasRevoking = currentMember.Assignment.State == ConsumerGroupMemberState.UnrevokedPartitions;
                    currentMember.Assignment = assignment;
                    if (assignment.State != ConsumerGroupMemberState.UnrevokedPartitions)
                    {
                        currentMember.RevocationDeadlineMs = -1;
                    }
                    else if (!wasRevoking)
                    {
                        // KIP-848: a member has its rebalance timeout to give partitions up, else it is fenced.
                        currentMember.RevocationDeadlineMs = Now + currentMember.Metadata.RebalanceTimeoutMs;
                    }
                }

                return true;
            default:
                return false;
        }
    }

    private ConsumerGroup GetOrCreateConsumerGroup(string groupId)
    {
        if (!_consumerGroups.TryGetValue(groupId, out var group))
        {
            group = new ConsumerGroup(groupId, PartitionFor(groupId));
            _consumerGroups.Add(groupId, group);
        }

        return group;
    }

    /// <summary>Members restored by a load get a fresh session, as classic members do.</summary>
    private void CompleteLoadingConsumerGroups(int partition, long now)
    {
        foreach (var group in _consumerGroups.Values)
        {
            if (group.Partition != partition)
            {
                continue;
            }

            foreach (var member in group.Members.Values)
            {
                member.SessionDeadlineMs = now + SessionTimeoutOf(group.GroupId, member.Metadata);
                if (member.RevocationDeadlineMs >= 0)
                {
                    member.RevocationDeadlineMs = now + member.Metadata.RebalanceTimeoutMs;
                }
            }
        }
    }

    private void UnloadConsumerGroups(int partition)
    {
        foreach (var group in _consumerGroups.Values.ToList())
        {
            if (group.Partition == partition)
            {
                _consumerGroups.Remove(group.GroupId);
            }
        }

        foreach (var key in _classicSyncDeadlines.Keys.Where(k => PartitionFor(k.GroupId) == partition).ToList())
        {
            _classicSyncDeadlines.Remove(key);
        }
    }

    /// <summary>
    /// Fences members whose session expired, who did not revoke within their rebalance timeout, or (classic members)
    /// who did not send the JoinGroup or SyncGroup they owe within it.
    /// </summary>
    private void ExpireConsumerGroupMembers(long now)
    {
        // A removal may turn the group into a classic one (online downgrade), so iterate over a copy.
        foreach (var group in _consumerGroups.Values.ToList())
        {
            if (PartitionState(group.Partition) != CoordinatorPartitionState.Active)
            {
                continue;
            }

            List<ConsumerGroupMember>? expired = null;
            foreach (var member in group.Members.Values)
            {
                if (now >= member.SessionDeadlineMs
                    || (member.RevocationDeadlineMs >= 0 && now >= member.RevocationDeadlineMs)
                    || (member.ClassicRebalanceDeadlineMs >= 0 && now >= member.ClassicRebalanceDeadlineMs))
                {
                    (expired ??= []).Add(member);
                }
            }

            if (expired is not null)
            {
                RemoveConsumerMembers(group, expired);
            }
        }
    }
}
