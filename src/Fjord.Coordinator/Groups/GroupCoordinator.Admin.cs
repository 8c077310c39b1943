using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Coordinator.Groups;

public sealed partial class GroupCoordinator
{
    /// <summary>The group type ListGroups v5+ reports for classic groups (KIP-848 naming).</summary>
    public const string ClassicGroupType = "classic";

    /// <summary>
    /// DescribeGroups for one group. An unknown group is described as Dead with no error (v0-5, as
    /// Kafka). Member metadata and assignments are shown only in Stable, when they are consistent.
    /// </summary>
    public DescribeGroupsResponse.DescribedGroup DescribeGroup(string groupId)
    {
        var described = new DescribeGroupsResponse.DescribedGroup { GroupId = groupId };
        var error = Validate(groupId, requireNonEmptyId: false, out _);
        if (error != ErrorCode.None)
        {
            described.ErrorCode = (short)error;
            described.GroupState = GroupState.Dead.KafkaName();
            return described;
        }

        if (_consumerGroups.ContainsKey(groupId))
        {
            // Kafka: a consumer group is described by ConsumerGroupDescribe, not DescribeGroups.
            described.ErrorCode = (short)ErrorCode.GroupIdNotFound;
            described.GroupState = GroupState.Dead.KafkaName();
            return described;
        }

        if (!_groups.TryGetValue(groupId, out var group))
        {
            described.GroupState = GroupState.Dead.KafkaName();
            return described;
        }

        var stable = group.State == GroupState.Stable;
        described.GroupState = group.State.KafkaName();
        described.ProtocolType = group.ProtocolType ?? "";
        described.ProtocolData = stable ? group.ProtocolName ?? "" : "";
        foreach (var member in group.Members)
        {
            described.Members.Add(new DescribeGroupsResponse.DescribedGroupMember
            {
                MemberId = member.MemberId,
                GroupInstanceId = member.GroupInstanceId,
                ClientId = member.ClientId,
                ClientHost = member.ClientHost,
                MemberMetadata = stable ? member.MetadataFor(group.ProtocolName) : [],
                MemberAssignment = stable ? member.Assignment : [],
            });
        }

        return described;
    }

    /// <summary>
    /// ListGroups over the partitions this node coordinates. <paramref name="statesFilter"/> (v4+) and
    /// <paramref name="typesFilter"/> (v5+) match case-insensitively; empty filters match all.
    /// While a partition loads the answer is COORDINATOR_LOAD_IN_PROGRESS with the groups known so far.
    /// </summary>
    public ListGroupsResponse ListGroups(IReadOnlyCollection<string> statesFilter, IReadOnlyCollection<string> typesFilter)
    {
        var response = new ListGroupsResponse();
        foreach (var state in _partitions.Values)
        {
            if (state == CoordinatorPartitionState.Loading)
            {
                response.ErrorCode = (short)ErrorCode.CoordinatorLoadInProgress;
            }
        }

        ListConsumerGroups(response, statesFilter, typesFilter);
        if (typesFilter.Count > 0 && !typesFilter.Contains(ClassicGroupType, StringComparer.OrdinalIgnoreCase))
        {
            return response;
        }

        foreach (var group in _groups.Values.OrderBy(g => g.GroupId, StringComparer.Ordinal))
        {
            if (group.State == GroupState.Dead || PartitionState(group.Partition) != CoordinatorPartitionState.Active || _consumerGroups.ContainsKey(group.GroupId))
            {
                continue;
            }

            var state = group.State.KafkaName();
            if (statesFilter.Count > 0 && !statesFilter.Contains(state, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            response.Groups.Add(new ListGroupsResponse.ListedGroup
            {
                GroupId = group.GroupId,
                ProtocolType = group.ProtocolType ?? "",
                GroupState = state,
                GroupType = ClassicGroupType,
            });
        }

        return response;
    }

    /// <summary>
    /// DeleteGroups: an empty group's offsets (pending transactional ones too) and metadata are deleted with
    /// tombstones (the group is gone once they are replayed); a group with members answers NON_EMPTY_GROUP.
    /// </summary>
    public CoordinatorResult<DeleteGroupsResponse> DeleteGroups(IReadOnlyList<string> groupIds)
    {
        Begin();
        var response = new DeleteGroupsResponse();
        foreach (var groupId in groupIds)
        {
            var error = Validate(groupId, requireNonEmptyId: false, out _);
            if (error == ErrorCode.None && _consumerGroups.TryGetValue(groupId, out var consumerGroup))
            {
                error = DeleteConsumerGroup(consumerGroup);
            }
            else if (error == ErrorCode.None)
            {
                if (!_groups.TryGetValue(groupId, out var group) || group.State == GroupState.Dead)
                {
                    error = ErrorCode.GroupIdNotFound;
                }
                else if (group.State != GroupState.Empty || group.MemberCount > 0)
                {
                    error = ErrorCode.NonEmptyGroup;
                }
                else
                {
                    foreach (var (topic, partition) in group.Offsets.Keys)
                    {
                        Emit(new OffsetCommitRecord(groupId, topic, partition, null));
                    }

                    EmitPendingOffsetTombstones(groupId);
                    Emit(new GroupMetadataRecord(groupId, null));
                }
            }

            response.Results.Add(new DeleteGroupsResponse.DeletableGroupResult { GroupId = groupId, ErrorCode = (short)error });
        }

        return Finish(response);
    }
}
