using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Coordinator.Groups;

public sealed partial class GroupCoordinator
{
    /// <summary>
    /// LeaveGroup for a batch of members (v3+; older versions are a batch of one). A member may be
    /// named by member id, or by group.instance.id alone with an empty member id (KIP-345 admin
    /// removal). The group-level error is set only when the whole request fails; per-member errors
    /// are in <see cref="LeaveGroupResponse.Members"/>.
    /// </summary>
    public CoordinatorResult<LeaveGroupResponse> LeaveGroup(string groupId, IReadOnlyList<LeaveGroupRequest.MemberIdentity> leaving)
    {
        Begin();
        var response = new LeaveGroupResponse();
        var error = Validate(groupId, requireNonEmptyId: true, out _);
        if (error != ErrorCode.None)
        {
            response.ErrorCode = (short)error;
            return Finish(response);
        }

        if (_consumerGroups.TryGetValue(groupId, out var consumerGroup))
        {
            return Finish(ClassicLeaveConsumerGroup(consumerGroup, leaving));
        }

        _groups.TryGetValue(groupId, out var group);
        if (group?.State == GroupState.Dead)
        {
            response.ErrorCode = (short)ErrorCode.CoordinatorNotAvailable;
            return Finish(response);
        }

        foreach (var identity in leaving)
        {
            var memberError = group is null ? ErrorCode.UnknownMemberId : LeaveOne(group, identity);
            response.Members.Add(new LeaveGroupResponse.MemberResponse
            {
                MemberId = identity.MemberId,
                GroupInstanceId = identity.GroupInstanceId,
                ErrorCode = (short)memberError,
            });
        }

        return Finish(response);
    }

    private ErrorCode LeaveOne(ClassicGroup group, LeaveGroupRequest.MemberIdentity identity)
    {
        group.IsLive = true;
        var memberId = identity.MemberId;
        if (memberId.Length == 0 && identity.GroupInstanceId is { } instanceId)
        {
            memberId = group.StaticMemberId(instanceId) ?? "";
            if (memberId.Length == 0)
            {
                return ErrorCode.UnknownMemberId;
            }
        }
        else if (group.IsStaticMemberFenced(identity.GroupInstanceId, memberId))
        {
            return ErrorCode.FencedInstanceId;
        }

        if (group.PendingMembers.ContainsKey(memberId))
        {
            RemovePendingMember(group, memberId);
            return ErrorCode.None;
        }

        var member = group.Get(memberId);
        if (member is null)
        {
            return ErrorCode.UnknownMemberId;
        }

        RemoveMemberAndUpdateGroup(group, member);
        return ErrorCode.None;
    }
}
