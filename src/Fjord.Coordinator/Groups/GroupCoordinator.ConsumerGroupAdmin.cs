using System.Collections.Immutable;
using Fjord.Coordinator.ConsumerGroups;
using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Coordinator.Groups;

public sealed partial class GroupCoordinator
{
    /// <summary>The group type ListGroups v5+ reports for KIP-848 groups.</summary>
    public const string ConsumerGroupType = "consumer";

    /// <summary>
    /// ConsumerGroupDescribe (KIP-848) for each id: epochs, assignor, members with their subscriptions,
    /// current and target assignments. An unknown id (or a classic group) answers GROUP_ID_NOT_FOUND, as Kafka does.
    /// </summary>
    public ConsumerGroupDescribeResponse ConsumerGroupDescribe(IReadOnlyList<string> groupIds)
    {
        var response = new ConsumerGroupDescribeResponse();
        foreach (var groupId in groupIds)
        {
            var described = new ConsumerGroupDescribeResponse.DescribedGroup { GroupId = groupId };
            response.Groups.Add(described);
            var error = Validate(groupId, requireNonEmptyId: false, out _);
            if (error != ErrorCode.None)
            {
                described.ErrorCode = (short)error;
                continue;
            }

            if (!_consumerGroups.TryGetValue(groupId, out var group))
            {
                described.ErrorCode = (short)ErrorCode.GroupIdNotFound;
                described.ErrorMessage = $"Group {groupId} not found.";
                continue;
            }

            described.GroupState = StateName(group.State);
            described.GroupEpoch = group.GroupEpoch;
            described.AssignmentEpoch = group.AssignmentEpoch;
            described.AssignorName = ChooseAssignor(group.Members.Values.Select(m => m.Metadata));
            foreach (var member in group.Members.Values)
            {
                described.Members.Add(new ConsumerGroupDescribeResponse.Member
                {
                    MemberId = member.MemberId,
                    InstanceId = member.Metadata.InstanceId,
                    RackId = member.Metadata.RackId,
                    MemberEpoch = member.Assignment.MemberEpoch,
                    ClientId = member.Metadata.ClientId,
                    ClientHost = member.Metadata.ClientHost,
                    SubscribedTopicNames = [.. member.Metadata.SubscribedTopicNames],
                    SubscribedTopicRegex = member.Metadata.SubscribedTopicRegex,
                    Assignment = DescribeAssignment(member.Assignment.AssignedPartitions),
                    TargetAssignment = DescribeAssignment(member.Target),

                    // KIP-1099's member types: 0 classic, 1 consumer.
                    MemberType = member.Metadata.UsesClassicProtocol ? (sbyte)0 : (sbyte)1,
                });
            }
        }

        return response;
    }

    /// <summary>Kafka's names for <see cref="ConsumerGroupState"/> (ListGroups, ConsumerGroupDescribe).</summary>
    public static string StateName(ConsumerGroupState state) => state switch
    {
        ConsumerGroupState.Empty => "Empty",
        ConsumerGroupState.Assigning => "Assigning",
        ConsumerGroupState.Reconciling => "Reconciling",
        _ => "Stable",
    };

    private ConsumerGroupDescribeResponse.Assignment DescribeAssignment(ImmutableSortedSet<TopicIdPartition> partitions)
    {
        var assignment = new ConsumerGroupDescribeResponse.Assignment();
        foreach (var partition in partitions)
        {
            if (assignment.TopicPartitions.Count == 0 || assignment.TopicPartitions[^1].TopicId != partition.TopicId)
            {
                var name = _topics is not null && _topics.TryGetTopic(partition.TopicId, out var topic) ? topic.Name : "";
                assignment.TopicPartitions.Add(new ConsumerGroupDescribeResponse.TopicPartitions { TopicId = partition.TopicId, TopicName = name });
            }

            assignment.TopicPartitions[^1].Partitions.Add(partition.Partition);
        }

        return assignment;
    }

    /// <summary>
    /// OffsetCommit against a KIP-848 group (Kafka's ConsumerGroup.validateOffsetCommit): a commit without
    /// a member (epoch -1) is accepted only while the group is empty; otherwise the member must exist and
    /// send exactly its current epoch, else STALE_MEMBER_EPOCH (it commits again after its next heartbeat), or
    /// ILLEGAL_GENERATION for a member that uses the classic protocol.
    /// </summary>
    private static ErrorCode ValidateConsumerGroupCommit(ConsumerGroup group, OffsetCommitRequest request)
    {
        if (request.GenerationIdOrMemberEpoch < 0 && group.Members.Count == 0)
        {
            return ErrorCode.None;
        }

        if (!group.Members.TryGetValue(request.MemberId, out var member))
        {
            return ErrorCode.UnknownMemberId;
        }

        if (request.GenerationIdOrMemberEpoch == member.Assignment.MemberEpoch)
        {
            return ErrorCode.None;
        }

        // A classic member names its generation, which is its member epoch: Kafka answers it as a classic group would.
        return member.Metadata.UsesClassicProtocol ? ErrorCode.IllegalGeneration : ErrorCode.StaleMemberEpoch;
    }

    /// <summary>
    /// OffsetFetch v9+ from a KIP-848 member (Kafka's validateOffsetFetch): a request naming no member and
    /// epoch -1 (admin tools) is always served; a member must exist and send its current epoch.
    /// </summary>
    private ErrorCode ValidateConsumerGroupFetch(string groupId, string? memberId, int memberEpoch)
    {
        if (memberEpoch < 0 && string.IsNullOrEmpty(memberId))
        {
            return ErrorCode.None;
        }

        if (!_consumerGroups.TryGetValue(groupId, out var group))
        {
            return memberEpoch < 0 ? ErrorCode.None : ErrorCode.UnknownMemberId;
        }

        if (memberId is null || !group.Members.TryGetValue(memberId, out var member))
        {
            return ErrorCode.UnknownMemberId;
        }

        return memberEpoch == member.Assignment.MemberEpoch ? ErrorCode.None : ErrorCode.StaleMemberEpoch;
    }

    /// <summary>DeleteGroups of a KIP-848 group: only when it has no members; its records and offsets get tombstones.</summary>
    private ErrorCode DeleteConsumerGroup(ConsumerGroup group)
    {
        if (group.Members.Count > 0)
        {
            return ErrorCode.NonEmptyGroup;
        }

        if (_groups.TryGetValue(group.GroupId, out var offsets))
        {
            foreach (var (topic, partition) in offsets.Offsets.Keys)
            {
                Emit(new OffsetCommitRecord(group.GroupId, topic, partition, null));
            }

            EmitPendingOffsetTombstones(group.GroupId);
            Emit(new GroupMetadataRecord(group.GroupId, null));
        }

        Emit(new ConsumerGroupTargetAssignmentMetadataRecord(group.GroupId, null));
        Emit(new ConsumerGroupMetadataRecord(group.GroupId, null));
        return ErrorCode.None;
    }

    /// <summary>Whether <paramref name="groupId"/> is a KIP-848 group with members (its offsets do not expire then).</summary>
    private bool IsActiveConsumerGroup(string groupId) =>
        _consumerGroups.TryGetValue(groupId, out var group) && group.Members.Count > 0;

    /// <summary>Adds the KIP-848 groups that pass the filters to a ListGroups answer (state names as Kafka's).</summary>
    private void ListConsumerGroups(ListGroupsResponse response, IReadOnlyCollection<string> statesFilter, IReadOnlyCollection<string> typesFilter)
    {
        if (typesFilter.Count > 0 && !typesFilter.Contains(ConsumerGroupType, StringComparer.OrdinalIgnoreCase))
        {
            return;
        }

        foreach (var group in _consumerGroups.Values.OrderBy(g => g.GroupId, StringComparer.Ordinal))
        {
            var state = StateName(group.State);
            if (PartitionState(group.Partition) != CoordinatorPartitionState.Active || (statesFilter.Count > 0 && !statesFilter.Contains(state, StringComparer.OrdinalIgnoreCase)))
            {
                continue;
            }

            response.Groups.Add(new ListGroupsResponse.ListedGroup
            {
                GroupId = group.GroupId,
                ProtocolType = ConsumerSubscriptions.ConsumerProtocolType,
                GroupState = state,
                GroupType = ConsumerGroupType,
            });
        }
    }
}
