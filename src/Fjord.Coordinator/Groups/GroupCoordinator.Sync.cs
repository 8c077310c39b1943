using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Coordinator.Groups;

public sealed partial class GroupCoordinator
{
    /// <summary>
    /// SyncGroup. In CompletingRebalance every member's request is parked until the leader's arrives
    /// with the assignment; the leader's sync then emits the group snapshot record and answers every
    /// parked member (completions) — the shell sends them after the record is appended.
    /// </summary>
    public CoordinatorResult<SyncGroupResponse> SyncGroup(long token, SyncGroupRequest request, short version)
    {
        Begin();
        var response = DoSync(token, request, version);
        return Finish(response);
    }

    private SyncGroupResponse? DoSync(long token, SyncGroupRequest request, short version)
    {
        var error = Validate(request.GroupId, requireNonEmptyId: true, out _);
        if (error != ErrorCode.None)
        {
            return SyncError(version, error);
        }

        if (_consumerGroups.TryGetValue(request.GroupId, out var consumerGroup))
        {
            return ClassicSyncToConsumerGroup(consumerGroup, request, version);
        }

        if (!_groups.TryGetValue(request.GroupId, out var group))
        {
            return SyncError(version, ErrorCode.UnknownMemberId);
        }

        if (group.State == GroupState.Dead)
        {
            return SyncError(version, ErrorCode.CoordinatorNotAvailable);
        }

        if (group.IsStaticMemberFenced(request.GroupInstanceId, request.MemberId))
        {
            return SyncError(version, ErrorCode.FencedInstanceId);
        }

        var member = group.Get(request.MemberId);
        if (member is null)
        {
            return SyncError(version, ErrorCode.UnknownMemberId);
        }

        if (request.GenerationId != group.GenerationId)
        {
            return SyncError(version, ErrorCode.IllegalGeneration);
        }

        // v5+: the client says which protocol it thinks was chosen; a mismatch means it is confused.
        if ((request.ProtocolType is not null && request.ProtocolType != group.ProtocolType)
            || (request.ProtocolName is not null && request.ProtocolName != group.ProtocolName))
        {
            return SyncError(version, ErrorCode.InconsistentGroupProtocol);
        }

        group.IsLive = true;
        switch (group.State)
        {
            case GroupState.PreparingRebalance:
                return SyncError(version, ErrorCode.RebalanceInProgress);

            case GroupState.CompletingRebalance:
                if (member.PendingSync is { } superseded)
                {
                    Complete(superseded, SyncError(superseded.Version, ErrorCode.RebalanceInProgress));
                }

                member.PendingSync = new PendingRequest(token, version);
                group.PendingSyncMembers.Remove(member.MemberId);
                if (group.IsLeader(member.MemberId))
                {
                    CompleteSync(group, request);
                }

                return null;

            case GroupState.Stable:
                // The member lost its SyncGroup response (or is a leader of v<9 after a static rejoin): resend.
                group.PendingSyncMembers.Remove(member.MemberId);
                member.HeartbeatDeadlineMs = Now + member.SessionTimeoutMs;
                return SyncResponse(group, member, version);

            default:
                return SyncError(version, ErrorCode.UnknownMemberId);
        }
    }

    private void CompleteSync(ClassicGroup group, SyncGroupRequest leaderRequest)
    {
        var assignments = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var assignment in leaderRequest.Assignments)
        {
            assignments[assignment.MemberId] = assignment.Assignment;
        }

        // Members the leader left out get an empty assignment, as in Kafka.
        foreach (var member in group.Members)
        {
            member.Assignment = assignments.GetValueOrDefault(member.MemberId) ?? [];
        }

        var now = Now;
        group.TransitionTo(GroupState.Stable, now);
        Emit(Snapshot(group));
        foreach (var member in group.Members)
        {
            if (member.PendingSync is { } pending)
            {
                Complete(pending, SyncResponse(group, member, pending.Version));
                member.PendingSync = null;
                member.HeartbeatDeadlineMs = now + member.SessionTimeoutMs;
            }
        }
    }

    /// <summary>
    /// The shell could not append the snapshot a leader's SyncGroup produced: as Kafka does, the
    /// generation's assignment is void; members must rejoin.
    /// </summary>
    public CoordinatorOutput OnSnapshotAppendFailed(string groupId, int generationId)
    {
        Begin();
        if (_groups.TryGetValue(groupId, out var group) && group.GenerationId == generationId && group.State == GroupState.Stable)
        {
            foreach (var member in group.Members)
            {
                member.Assignment = [];
            }

            PrepareRebalance(group);
        }

        return FinishOutput();
    }

    private static SyncGroupResponse SyncResponse(ClassicGroup group, GroupMember member, short version) => new()
    {
        ProtocolType = version >= 5 ? group.ProtocolType : null,
        ProtocolName = version >= 5 ? group.ProtocolName : null,
        Assignment = member.Assignment,
    };

    internal static SyncGroupResponse SyncError(short version, ErrorCode error) => new()
    {
        ErrorCode = (short)error,
        Assignment = [],
    };
}
