using Fjord.Coordinator.ConsumerGroups;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Coordinator.Groups;

// Members of a consumer group that still speak the classic protocol (KIP-848's online migration, Kafka's
// classicGroup*ToConsumerGroup): JoinGroup carries their subscription and is answered at once with their
// reconciled epoch as generation; SyncGroup returns what the server-side assignor gave them; Heartbeat says
// REBALANCE_IN_PROGRESS when they must rejoin to move on (new group epoch, partitions to revoke, or partitions
// another member has released meanwhile).
public sealed partial class GroupCoordinator
{
    /// <summary>The SyncGroup deadlines of classic members whose first JoinGroup is being appended, taken when their record is replayed.</summary>
    private readonly Dictionary<(string GroupId, string MemberId), long> _classicSyncDeadlines = [];

    private JoinGroupResponse ClassicJoinToConsumerGroup(ConsumerGroup group, JoinGroupRequest request, short version, string clientId, string clientHost)
    {
        if (request.ProtocolType != ConsumerSubscriptions.ConsumerProtocolType || request.Protocols.Count == 0 || !SupportsClassicProtocols(group, request))
        {
            return JoinError(version, ErrorCode.InconsistentGroupProtocol, request.MemberId);
        }

        var memberId = request.MemberId;
        ConsumerGroupMember? existing;
        if (request.GroupInstanceId is { } instanceId && group.Members.Values.FirstOrDefault(m => m.Metadata.InstanceId == instanceId) is { } staticMember)
        {
            // A static member that restarted keeps its place; another id claiming a known instance is fenced.
            if (memberId.Length > 0 && memberId != staticMember.MemberId)
            {
                return JoinError(version, ErrorCode.FencedInstanceId, memberId);
            }

            existing = staticMember;
            memberId = staticMember.MemberId;
        }
        else if (memberId.Length == 0)
        {
            memberId = GenerateMemberId(clientId, request.GroupInstanceId);
            if (version >= 4 && request.GroupInstanceId is null)
            {
                // KIP-394: the member rejoins with this id; it becomes a member only then.
                return JoinError(version, ErrorCode.MemberIdRequired, memberId);
            }

            existing = null;
        }
        else
        {
            // An id this coordinator handed out with MEMBER_ID_REQUIRED joins now.
            existing = group.Members.GetValueOrDefault(memberId);
        }

        if (existing is { Metadata.UsesClassicProtocol: false })
        {
            return JoinError(version, ErrorCode.UnknownMemberId, memberId);
        }

        var protocols = request.Protocols.Select(p => new GroupProtocol(p.Name, p.Metadata)).ToList();
        if (!ConsumerSubscriptions.TryReadSubscription(protocols[0].Metadata, out var subscription))
        {
            return JoinError(version, ErrorCode.InconsistentGroupProtocol, memberId);
        }

        var metadata = new ConsumerGroupMemberMetadata(
            request.GroupInstanceId,
            subscription!.RackId,
            clientId,
            clientHost,
            subscription.Topics,
            null,
            request.RebalanceTimeoutMs < 0 ? request.SessionTimeoutMs : request.RebalanceTimeoutMs,
            null,
            new ClassicMemberMetadata(request.SessionTimeoutMs, protocols));

        // The partitions the member still owns are those its subscription lists (eager members revoked all before joining).
        var owned = ToTopicIdPartitions(subscription.OwnedPartitions.Select(t => (t.Topic, (IEnumerable<int>)t.Partitions)));
        var next = UpdateConsumerGroupMember(group.GroupId, group, existing, memberId, metadata, existing?.Assignment ?? ConsumerGroupMemberAssignment.Joining, owned);
        if (existing is not null)
        {
            // The join it owed arrived; now it owes the SyncGroup. A new member's deadline is set when it is replayed.
            existing.SessionDeadlineMs = Now + request.SessionTimeoutMs;
            existing.ClassicRebalanceDeadlineMs = Now + metadata.RebalanceTimeoutMs;
        }
        else
        {
            _classicSyncDeadlines[(group.GroupId, memberId)] = Now + metadata.RebalanceTimeoutMs;
        }

        return new JoinGroupResponse
        {
            GenerationId = next.MemberEpoch,
            ProtocolType = version >= 7 ? ConsumerSubscriptions.ConsumerProtocolType : null,
            ProtocolName = protocols[0].Name,
            Leader = "",
            MemberId = memberId,
        };
    }

    /// <summary>Kafka's supportsClassicProtocols: one of the joining member's protocols is supported by every classic member.</summary>
    private static bool SupportsClassicProtocols(ConsumerGroup group, JoinGroupRequest request)
    {
        var classicMembers = group.Members.Values.Where(m => m.Metadata.UsesClassicProtocol && m.MemberId != request.MemberId).ToList();
        return request.Protocols.Any(p => classicMembers.All(m => m.Metadata.Classic!.SupportedProtocols.Any(s => s.Name == p.Name)));
    }

    private SyncGroupResponse ClassicSyncToConsumerGroup(ConsumerGroup group, SyncGroupRequest request, short version)
    {
        var (member, error) = FindClassicMember(group, request.MemberId, request.GroupInstanceId);
        if (member is null)
        {
            return SyncError(version, error);
        }

        if (request.GenerationId != member.Assignment.MemberEpoch)
        {
            return SyncError(version, ErrorCode.IllegalGeneration);
        }

        var preferred = member.Metadata.Classic!.Preferred;
        if ((request.ProtocolType is not null && request.ProtocolType != ConsumerSubscriptions.ConsumerProtocolType)
            || (request.ProtocolName is not null && request.ProtocolName != preferred.Name))
        {
            return SyncError(version, ErrorCode.InconsistentGroupProtocol);
        }

        // A new group epoch means the member must rejoin first, unless it is still revoking (it rejoins after that).
        if (group.GroupEpoch > member.Assignment.MemberEpoch && member.Assignment.State != ConsumerGroupMemberState.UnrevokedPartitions)
        {
            return SyncError(version, ErrorCode.RebalanceInProgress);
        }

        member.SessionDeadlineMs = Now + member.Metadata.Classic.SessionTimeoutMs;
        member.ClassicRebalanceDeadlineMs = -1;
        return new SyncGroupResponse
        {
            ProtocolType = version >= 5 ? ConsumerSubscriptions.ConsumerProtocolType : null,
            ProtocolName = version >= 5 ? preferred.Name : null,
            Assignment = ConsumerSubscriptions.WriteAssignment(ToTopicNamePartitions(member.Assignment.AssignedPartitions), preferred.Metadata),
        };
    }

    private ErrorCode ClassicHeartbeatToConsumerGroup(ConsumerGroup group, HeartbeatRequest request)
    {
        var (member, error) = FindClassicMember(group, request.MemberId, request.GroupInstanceId);
        if (member is null)
        {
            return error;
        }

        if (request.GenerationId != member.Assignment.MemberEpoch)
        {
            return ErrorCode.IllegalGeneration;
        }

        member.SessionDeadlineMs = Now + member.Metadata.Classic!.SessionTimeoutMs;
        var assignment = member.Assignment;
        var mustRejoin = assignment.MemberEpoch < group.GroupEpoch
            || assignment.State == ConsumerGroupMemberState.UnrevokedPartitions
            || (assignment.State == ConsumerGroupMemberState.UnreleasedPartitions && !IsWaitingOnUnreleasedPartition(group, member));
        if (!mustRejoin)
        {
            return ErrorCode.None;
        }

        if (member.ClassicRebalanceDeadlineMs < 0)
        {
            member.ClassicRebalanceDeadlineMs = Now + member.Metadata.RebalanceTimeoutMs;
        }

        return ErrorCode.RebalanceInProgress;
    }

    /// <summary>Whether a partition of the member's target that it does not own yet is still owned by another member.</summary>
    private static bool IsWaitingOnUnreleasedPartition(ConsumerGroup group, ConsumerGroupMember member)
    {
        foreach (var partition in member.Target)
        {
            if (!member.Assignment.AssignedPartitions.Contains(partition) && group.IsOwnedByOther(member.MemberId, partition))
            {
                return true;
            }
        }

        return false;
    }

    private LeaveGroupResponse ClassicLeaveConsumerGroup(ConsumerGroup group, IReadOnlyList<LeaveGroupRequest.MemberIdentity> leaving)
    {
        var response = new LeaveGroupResponse();
        var left = new List<ConsumerGroupMember>();
        foreach (var identity in leaving)
        {
            var (member, error) = FindClassicMember(group, identity.MemberId, identity.GroupInstanceId, allowInstanceOnly: true);
            if (member is not null && !left.Contains(member))
            {
                left.Add(member);
            }

            response.Members.Add(new LeaveGroupResponse.MemberResponse
            {
                MemberId = member?.MemberId ?? identity.MemberId,
                GroupInstanceId = identity.GroupInstanceId,
                ErrorCode = (short)error,
            });
        }

        if (left.Count > 0)
        {
            RemoveConsumerMembers(group, left);
        }

        return response;
    }

    /// <summary>
    /// Kafka's validateConsumerGroupMember plus throwIfMemberDoesNotUseClassicProtocol: by instance id when one is
    /// given (another member id is FENCED_INSTANCE_ID), else by member id; a missing member, or one that uses the
    /// consumer protocol, is UNKNOWN_MEMBER_ID. <paramref name="allowInstanceOnly"/>: LeaveGroup may name a static
    /// member by instance id alone (admin removal).
    /// </summary>
    private static (ConsumerGroupMember? Member, ErrorCode Error) FindClassicMember(ConsumerGroup group, string memberId, string? instanceId, bool allowInstanceOnly = false)
    {
        ConsumerGroupMember? member;
        if (instanceId is not null)
        {
            member = group.Members.Values.FirstOrDefault(m => m.Metadata.InstanceId == instanceId);
            if (member is null)
            {
                return (null, ErrorCode.UnknownMemberId);
            }

            if (member.MemberId != memberId && !(allowInstanceOnly && memberId.Length == 0))
            {
                return (null, ErrorCode.FencedInstanceId);
            }
        }
        else
        {
            member = group.Members.GetValueOrDefault(memberId);
        }

        return member is { Metadata.UsesClassicProtocol: true } ? (member, ErrorCode.None) : (null, ErrorCode.UnknownMemberId);
    }
}
