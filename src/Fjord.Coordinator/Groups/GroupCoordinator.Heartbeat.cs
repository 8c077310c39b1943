using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Coordinator.Groups;

public sealed partial class GroupCoordinator
{
    /// <summary>
    /// Heartbeat: keeps the member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin.
    /// Checks run in Kafka's order (fenced instance, unknown member, generation, then state).
    /// </summary>
    public CoordinatorResult<HeartbeatResponse> Heartbeat(HeartbeatRequest request)
    {
        Begin();
        return Finish(new HeartbeatResponse { ErrorCode = (short)DoHeartbeat(request) });
    }

    private ErrorCode DoHeartbeat(HeartbeatRequest request)
    {
        var error = Validate(request.GroupId, requireNonEmptyId: true, out _);
        if (error != ErrorCode.None)
        {
            return error;
        }

        if (_consumerGroups.TryGetValue(request.GroupId, out var consumerGroup))
        {
            return ClassicHeartbeatToConsumerGroup(consumerGroup, request);
        }

        if (!_groups.TryGetValue(request.GroupId, out var group))
        {
            return ErrorCode.UnknownMemberId;
        }

        if (group.State == GroupState.Dead)
        {
            return ErrorCode.CoordinatorNotAvailable;
        }

        if (group.IsStaticMemberFenced(request.GroupInstanceId, request.MemberId))
        {
            return ErrorCode.FencedInstanceId;
        }

        var member = group.Get(request.MemberId);
        if (member is null)
        {
            return ErrorCode.UnknownMemberId;
        }

        if (request.GenerationId != group.GenerationId)
        {
            return ErrorCode.IllegalGeneration;
        }

        group.IsLive = true;
        switch (group.State)
        {
            case GroupState.PreparingRebalance:
                member.HeartbeatDeadlineMs = Now + member.SessionTimeoutMs;
                return ErrorCode.RebalanceInProgress;
            case GroupState.CompletingRebalance:
            case GroupState.Stable:
                // Clients may heartbeat between their JoinGroup and SyncGroup responses; that is normal.
                member.HeartbeatDeadlineMs = Now + member.SessionTimeoutMs;
                return ErrorCode.None;
            default:
                return ErrorCode.UnknownMemberId;
        }
    }
}
