using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Coordinator.Groups;

public sealed partial class GroupCoordinator
{
    /// <summary>
    /// JoinGroup. The answer is usually deferred (null <see cref="CoordinatorResult{T}.Response"/>) until
    /// the join phase completes; it then arrives as a completion under <paramref name="token"/>.
    /// <paramref name="version"/> decides KIP-394 (v4+: a first join without member id gets
    /// MEMBER_ID_REQUIRED) and the response shape.
    /// </summary>
    public CoordinatorResult<JoinGroupResponse> JoinGroup(long token, JoinGroupRequest request, short version, string clientId, string clientHost)
    {
        Begin();
        var response = DoJoin(token, request, version, clientId, clientHost);
        return Finish(response);
    }

    private JoinGroupResponse? DoJoin(long token, JoinGroupRequest request, short version, string clientId, string clientHost)
    {
        var error = Validate(request.GroupId, requireNonEmptyId: true, out var partition);
        if (error != ErrorCode.None)
        {
            return JoinError(version, error, request.MemberId);
        }

        if (request.SessionTimeoutMs < _config.GroupMinSessionTimeoutMs || request.SessionTimeoutMs > _config.GroupMaxSessionTimeoutMs)
        {
            return JoinError(version, ErrorCode.InvalidSessionTimeout, request.MemberId);
        }

        if (_consumerGroups.TryGetValue(request.GroupId, out var consumerGroup))
        {
            if (consumerGroup.Members.Count > 0)
            {
                // KIP-848's online migration: a classic member joins the consumer group and keeps its protocol.
                return ClassicJoinToConsumerGroup(consumerGroup, request, version, clientId, clientHost);
            }

            // An empty consumer group becomes a classic group; its offsets stay under the same id.
            Emit(new ConsumerOffsets.ConsumerGroupTargetAssignmentMetadataRecord(consumerGroup.GroupId, null));
            Emit(new ConsumerOffsets.ConsumerGroupMetadataRecord(consumerGroup.GroupId, null));
        }

        var isUnknownMember = request.MemberId.Length == 0;
        var created = false;
        if (!_groups.TryGetValue(request.GroupId, out var group))
        {
            if (!isUnknownMember)
            {
                return JoinError(version, ErrorCode.UnknownMemberId, request.MemberId);
            }

            group = new ClassicGroup(request.GroupId, partition, Now);
            _groups.Add(group.GroupId, group);
            created = true;
        }

        group.IsLive = true;
        var protocols = new List<GroupProtocol>(request.Protocols.Count);
        foreach (var protocol in request.Protocols)
        {
            protocols.Add(new GroupProtocol(protocol.Name, protocol.Metadata));
        }

        // v0 had no rebalance timeout: the session timeout bounded the join phase too.
        var join = new JoinParameters(
            token,
            version,
            request.GroupInstanceId,
            clientId,
            clientHost,
            request.RebalanceTimeoutMs < 0 ? request.SessionTimeoutMs : request.RebalanceTimeoutMs,
            request.SessionTimeoutMs,
            request.ProtocolType,
            protocols);

        JoinGroupResponse? response;
        if (!group.PendingMembers.ContainsKey(request.MemberId) && !AcceptJoiningMember(group, request.MemberId))
        {
            if (group.Get(request.MemberId) is { } over)
            {
                RemoveMemberAndUpdateGroup(group, over);
            }

            response = JoinError(version, ErrorCode.GroupMaxSizeReached, "");
        }
        else if (group.State == GroupState.Dead)
        {
            response = JoinError(version, ErrorCode.CoordinatorNotAvailable, request.MemberId);
        }
        else if (!group.SupportsProtocols(request.ProtocolType, protocols))
        {
            response = JoinError(version, ErrorCode.InconsistentGroupProtocol, request.MemberId);
        }
        else if (isUnknownMember)
        {
            response = NewMemberJoin(group, join);
        }
        else
        {
            response = CurrentMemberJoin(group, request.MemberId, join);
        }

        // A join refused before it changed anything must not leave a ghost group behind.
        if (created && group.MemberCount == 0 && group.PendingMembers.Count == 0 && !group.HasOffsets)
        {
            _groups.Remove(group.GroupId);
        }

        return response;
    }

    /// <summary>Kafka's acceptJoiningMember: group.max.size counts members already in, or those rejoining during a rebalance.</summary>
    private bool AcceptJoiningMember(ClassicGroup group, string memberId) => group.State switch
    {
        GroupState.Empty or GroupState.Dead => true,
        GroupState.PreparingRebalance => (group.Get(memberId)?.IsAwaitingJoin ?? false) || group.AwaitingJoinCount < _config.GroupMaxSize,
        _ => group.Has(memberId) || group.MemberCount < _config.GroupMaxSize,
    };

    private JoinGroupResponse? NewMemberJoin(ClassicGroup group, JoinParameters join)
    {
        var newMemberId = GenerateMemberId(join.ClientId, join.GroupInstanceId);
        if (join.GroupInstanceId is { } instanceId)
        {
            // KIP-345: static members skip the MEMBER_ID_REQUIRED round trip; the instance id is their identity.
            var oldMemberId = group.StaticMemberId(instanceId);
            if (oldMemberId is not null)
            {
                return UpdateStaticMemberAndRebalance(group, oldMemberId, newMemberId, join);
            }

            AddMemberAndRebalance(group, newMemberId, join);
            return null;
        }

        if (join.Version >= 4)
        {
            // KIP-394: hand out the id first, so a client that times out and retries reuses it
            // instead of leaving a ghost member that blocks the rebalance for a session timeout.
            group.PendingMembers[newMemberId] = Now + join.SessionTimeoutMs;
            return JoinError(join.Version, ErrorCode.MemberIdRequired, newMemberId);
        }

        AddMemberAndRebalance(group, newMemberId, join);
        return null;
    }

    private JoinGroupResponse? CurrentMemberJoin(ClassicGroup group, string memberId, JoinParameters join)
    {
        if (group.PendingMembers.Remove(memberId))
        {
            AddMemberAndRebalance(group, memberId, join);
            return null;
        }

        if (group.IsStaticMemberFenced(join.GroupInstanceId, memberId))
        {
            return JoinError(join.Version, ErrorCode.FencedInstanceId, memberId);
        }

        var member = group.Get(memberId);
        if (member is null)
        {
            return JoinError(join.Version, ErrorCode.UnknownMemberId, memberId);
        }

        switch (group.State)
        {
            case GroupState.PreparingRebalance:
                UpdateMemberAndRebalance(group, member, join);
                return null;

            case GroupState.CompletingRebalance:
                // The member lost our JoinGroup response: give it again unless its protocols changed.
                if (member.Matches(join.Protocols))
                {
                    return JoinResponse(group, member.MemberId, join.Version, group.IsLeader(memberId));
                }

                UpdateMemberAndRebalance(group, member, join);
                return null;

            case GroupState.Stable:
                // A leader's rejoin means it wants a new assignment (e.g. metadata changed); so do changed protocols.
                if (group.IsLeader(memberId) || !member.Matches(join.Protocols))
                {
                    UpdateMemberAndRebalance(group, member, join);
                    return null;
                }

                return JoinResponse(group, member.MemberId, join.Version, includeMembers: false);

            default:
                return JoinError(join.Version, ErrorCode.UnknownMemberId, memberId);
        }
    }

    private void AddMemberAndRebalance(ClassicGroup group, string memberId, JoinParameters join)
    {
        var member = new GroupMember(memberId, join.GroupInstanceId, join.ClientId, join.ClientHost, join.RebalanceTimeoutMs, join.SessionTimeoutMs, join.ProtocolType, join.Protocols)
        {
            IsNew = true,
            HeartbeatDeadlineMs = Now + _config.NewMemberJoinTimeoutMs,
            PendingJoin = new PendingRequest(join.Token, join.Version),
        };

        // group.initial.rebalance.delay.ms: a new member during a new group's first rebalance extends the wait.
        if (group.State == GroupState.PreparingRebalance && group.GenerationId == 0)
        {
            group.NewMemberAdded = true;
        }

        group.Add(member);
        MaybePrepareRebalance(group);
    }

    private void UpdateMemberAndRebalance(ClassicGroup group, GroupMember member, JoinParameters join)
    {
        member.Protocols = join.Protocols;
        member.RebalanceTimeoutMs = join.RebalanceTimeoutMs;
        member.SessionTimeoutMs = join.SessionTimeoutMs;
        if (member.PendingJoin is { } superseded)
        {
            Complete(superseded, JoinError(superseded.Version, ErrorCode.RebalanceInProgress, member.MemberId));
        }

        member.PendingJoin = new PendingRequest(join.Token, join.Version);
        MaybePrepareRebalance(group);
    }

    /// <summary>
    /// KIP-345: a known static member rejoined with a new member id (it restarted). The old id is fenced;
    /// in a stable group whose chosen protocol would not change, the member takes its old place and
    /// assignment without a rebalance.
    /// </summary>
    private JoinGroupResponse? UpdateStaticMemberAndRebalance(ClassicGroup group, string oldMemberId, string newMemberId, JoinParameters join)
    {
        var currentLeader = group.LeaderId;
        var member = group.Get(oldMemberId)!;
        FailParked(member, ErrorCode.FencedInstanceId);
        group.ReplaceStaticMember(join.GroupInstanceId!, oldMemberId, newMemberId);
        member.Protocols = join.Protocols;
        member.RebalanceTimeoutMs = join.RebalanceTimeoutMs;
        member.SessionTimeoutMs = join.SessionTimeoutMs;
        member.HeartbeatDeadlineMs = Now + join.SessionTimeoutMs;

        switch (group.State)
        {
            case GroupState.Stable:
                if (group.SelectProtocol() == group.ProtocolName)
                {
                    Emit(Snapshot(group));
                    var isLeader = group.IsLeader(newMemberId);
                    var response = JoinResponse(group, newMemberId, join.Version, isLeader);
                    response.Leader = currentLeader ?? "";

                    // KIP-814 (v9): the leader learns it need not reassign; older leaders reassign and
                    // their SyncGroup in Stable just returns the current assignment.
                    response.SkipAssignment = isLeader && join.Version >= 9;
                    return response;
                }

                member.PendingJoin = new PendingRequest(join.Token, join.Version);
                MaybePrepareRebalance(group);
                return null;

            case GroupState.CompletingRebalance:
                // The leader may already be assigning to the old member id: that assignment would not match.
                member.PendingJoin = new PendingRequest(join.Token, join.Version);
                PrepareRebalance(group);
                return null;

            case GroupState.PreparingRebalance:
                member.PendingJoin = new PendingRequest(join.Token, join.Version);
                MaybeCompleteJoin(group);
                return null;

            default:
                throw new InvalidOperationException($"group {group.GroupId} in state {group.State} has static member {join.GroupInstanceId}");
        }
    }

    private void MaybePrepareRebalance(ClassicGroup group)
    {
        switch (group.State)
        {
            case GroupState.Stable:
            case GroupState.CompletingRebalance:
            case GroupState.Empty:
                PrepareRebalance(group);
                break;
            case GroupState.PreparingRebalance:
                MaybeCompleteJoin(group);
                break;
        }
    }

    private void PrepareRebalance(ClassicGroup group)
    {
        if (group.State == GroupState.CompletingRebalance)
        {
            ResetAndPropagateAssignmentError(group, ErrorCode.RebalanceInProgress);
        }

        group.SyncDeadlineMs = -1;
        group.PendingSyncMembers.Clear();
        var now = Now;
        var wasEmpty = group.State == GroupState.Empty;
        group.TransitionTo(GroupState.PreparingRebalance, now);
        if (wasEmpty && _config.GroupInitialRebalanceDelayMs > 0)
        {
            // group.initial.rebalance.delay.ms: wait for more of a starting fleet before the first
            // assignment, and keep waiting (up to the rebalance timeout) while members keep arriving.
            group.InInitialDelay = true;
            group.NewMemberAdded = false;
            group.InitialDelayCurrentMs = _config.GroupInitialRebalanceDelayMs;
            group.InitialDelayRemainingMs = Math.Max(group.RebalanceTimeoutMs - _config.GroupInitialRebalanceDelayMs, 0);
            group.JoinDeadlineMs = now + _config.GroupInitialRebalanceDelayMs;
            return;
        }

        group.InInitialDelay = false;
        group.JoinDeadlineMs = now + group.RebalanceTimeoutMs;
        MaybeCompleteJoin(group);
    }

    private void MaybeCompleteJoin(ClassicGroup group)
    {
        if (group.State == GroupState.PreparingRebalance && !group.InInitialDelay && group.HasAllMembersJoined)
        {
            CompleteJoin(group);
        }
    }

    /// <summary>The join phase timer fired: the initial delay is extended or ends, or the rebalance timeout expired.</summary>
    private void OnJoinDeadline(ClassicGroup group)
    {
        if (group.InInitialDelay && group.NewMemberAdded && group.InitialDelayRemainingMs > 0)
        {
            group.NewMemberAdded = false;
            var delay = Math.Min(_config.GroupInitialRebalanceDelayMs, group.InitialDelayRemainingMs);
            group.InitialDelayRemainingMs = Math.Max(group.InitialDelayRemainingMs - group.InitialDelayCurrentMs, 0);
            group.InitialDelayCurrentMs = delay;
            group.JoinDeadlineMs = Now + delay;
            return;
        }

        group.InInitialDelay = false;
        CompleteJoin(group);
    }

    private void CompleteJoin(ClassicGroup group)
    {
        var now = Now;
        group.JoinDeadlineMs = -1;
        group.InInitialDelay = false;

        // Dynamic members that did not rejoin in time are gone. Static members keep their place until
        // their session times out (KIP-345): a bounced static member must not cost a rebalance.
        foreach (var member in group.Members.ToList())
        {
            if (!member.IsAwaitingJoin && !member.IsStatic)
            {
                group.Remove(member.MemberId);
            }
        }

        if (!MaybeElectNewJoinedLeader(group) && group.MemberCount > 0)
        {
            // Only static members that did not rejoin are left: wait for them to rejoin or expire.
            group.JoinDeadlineMs = now + group.RebalanceTimeoutMs;
            return;
        }

        group.GenerationId++;
        group.PendingSyncMembers.Clear();
        if (group.MemberCount == 0)
        {
            group.ProtocolName = null;
            group.SubscribedTopics = null;
            group.TransitionTo(GroupState.Empty, now);
            Emit(Snapshot(group));
            return;
        }

        group.ProtocolName = group.SelectProtocol();
        group.SubscribedTopics = ConsumerSubscriptions.SubscribedTopics(group);
        group.TransitionTo(GroupState.CompletingRebalance, now);
        foreach (var member in group.Members)
        {
            if (member.PendingJoin is { } pending)
            {
                Complete(pending, JoinResponse(group, member.MemberId, pending.Version, group.IsLeader(member.MemberId)));
                member.PendingJoin = null;
            }

            member.HeartbeatDeadlineMs = now + member.SessionTimeoutMs;
            member.IsNew = false;
            group.PendingSyncMembers.Add(member.MemberId);
        }

        // Members that never send SyncGroup are dropped after the rebalance timeout, or the group would wait forever.
        group.SyncDeadlineMs = now + group.RebalanceTimeoutMs;
    }

    /// <summary>Keeps the leader if it rejoined, else promotes any member that did; false when nobody rejoined.</summary>
    private static bool MaybeElectNewJoinedLeader(ClassicGroup group)
    {
        if (group.LeaderId is { } leader && group.Get(leader) is { IsAwaitingJoin: true })
        {
            return true;
        }

        foreach (var member in group.Members)
        {
            if (member.IsAwaitingJoin)
            {
                group.LeaderId = member.MemberId;
                return true;
            }
        }

        return false;
    }

    private static JoinGroupResponse JoinResponse(ClassicGroup group, string memberId, short version, bool includeMembers)
    {
        var response = new JoinGroupResponse
        {
            GenerationId = group.GenerationId,
            ProtocolType = version >= 7 ? group.ProtocolType : null,
            ProtocolName = group.ProtocolName,
            Leader = group.LeaderId ?? "",
            MemberId = memberId,
        };
        if (includeMembers)
        {
            foreach (var member in group.Members)
            {
                response.Members.Add(new JoinGroupResponse.JoinGroupResponseMember
                {
                    MemberId = member.MemberId,
                    GroupInstanceId = version >= 5 ? member.GroupInstanceId : null,
                    Metadata = member.MetadataFor(group.ProtocolName),
                });
            }
        }

        return response;
    }

    internal static JoinGroupResponse JoinError(short version, ErrorCode error, string memberId) => new()
    {
        ErrorCode = (short)error,
        GenerationId = -1,
        ProtocolName = version >= 7 ? null : "",
        Leader = "",
        MemberId = memberId,
    };

    private void ResetAndPropagateAssignmentError(ClassicGroup group, ErrorCode error)
    {
        foreach (var member in group.Members)
        {
            member.Assignment = [];
            if (member.PendingSync is { } sync)
            {
                Complete(sync, SyncError(sync.Version, error));
                member.PendingSync = null;
            }
        }
    }

    /// <summary>
    /// Removes a member that left, timed out or was fenced, answering what it had parked with
    /// UNKNOWN_MEMBER_ID (so a still-running client rejoins), then lets the group react.
    /// </summary>
    private void RemoveMemberAndUpdateGroup(ClassicGroup group, GroupMember member)
    {
        FailParked(member, ErrorCode.UnknownMemberId);
        group.Remove(member.MemberId);
        switch (group.State)
        {
            case GroupState.Stable:
            case GroupState.CompletingRebalance:
                PrepareRebalance(group);
                break;
            case GroupState.PreparingRebalance:
                MaybeCompleteJoin(group);
                break;
        }
    }

    private void RemovePendingMember(ClassicGroup group, string memberId)
    {
        group.PendingMembers.Remove(memberId);
        if (group.State == GroupState.PreparingRebalance)
        {
            MaybeCompleteJoin(group);
        }
    }

    private sealed record JoinParameters(
        long Token,
        short Version,
        string? GroupInstanceId,
        string ClientId,
        string ClientHost,
        int RebalanceTimeoutMs,
        int SessionTimeoutMs,
        string ProtocolType,
        IReadOnlyList<GroupProtocol> Protocols);
}
