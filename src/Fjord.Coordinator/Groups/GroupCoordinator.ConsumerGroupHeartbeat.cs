using System.Collections.Immutable;
using Fjord.Coordinator.ConsumerGroups;
using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Coordinator.Groups;

public sealed partial class GroupCoordinator
{
    /// <summary>KIP-848: a member joins with epoch 0, leaves with -1 (a static member with -2).</summary>
    public const int LeaveGroupMemberEpoch = -1;

    public const int LeaveGroupStaticMemberEpoch = -2;

    private readonly Dictionary<string, ConsumerGroup> _consumerGroups = new(StringComparer.Ordinal);

    public IReadOnlyCollection<ConsumerGroup> ConsumerGroups => _consumerGroups.Values;

    public ConsumerGroup? TryGetConsumerGroup(string groupId) => _consumerGroups.GetValueOrDefault(groupId);

    /// <summary>
    /// ConsumerGroupHeartbeat (KIP-848), one step of the protocol: joins, leaves, subscription changes and
    /// acknowledged revocations go in; the group epoch is bumped when membership, a subscription or a
    /// subscribed topic changed, the target assignment is recomputed when the group epoch is ahead of it,
    /// and the member is reconciled towards its target (<see cref="MemberReconciler"/>). Returns the
    /// records of every change and the member's epoch and, when it changed or the member's view differs,
    /// its assignment. Never deferred.
    /// </summary>
    public CoordinatorResult<ConsumerGroupHeartbeatResponse> ConsumerGroupHeartbeat(ConsumerGroupHeartbeatRequest request, short version, string clientId, string clientHost)
    {
        Begin();
        var response = DoConsumerGroupHeartbeat(request, version, clientId, clientHost);
        return Finish(response);
    }

    private static ConsumerGroupHeartbeatResponse HeartbeatError(ErrorCode error, string? message = null) =>
        new() { ErrorCode = (short)error, ErrorMessage = message };

    private ConsumerGroupHeartbeatResponse DoConsumerGroupHeartbeat(ConsumerGroupHeartbeatRequest request, short version, string clientId, string clientHost)
    {
        var invalid = ValidateHeartbeatRequest(request, version);
        if (invalid is not null)
        {
            return invalid;
        }

        var error = Validate(request.GroupId, requireNonEmptyId: true, out _);
        if (error != ErrorCode.None)
        {
            return HeartbeatError(error);
        }

        _consumerGroups.TryGetValue(request.GroupId, out var group);
        if (_groups.TryGetValue(request.GroupId, out var classic) && classic.ProtocolType is not null && (classic.MemberCount > 0 || classic.State != GroupState.Empty))
        {
            // KIP-848's online upgrade: only a joining member converts the group (Kafka's createIfNotExists).
            string? refusal = null;
            group = request.MemberEpoch == 0 ? UpgradeToConsumerGroup(classic, out refusal) : null;
            if (group is null)
            {
                return HeartbeatError(ErrorCode.GroupIdNotFound, refusal ?? $"Group {request.GroupId} is a classic group, not a consumer group.");
            }
        }

        if (request.MemberEpoch is LeaveGroupMemberEpoch or LeaveGroupStaticMemberEpoch)
        {
            return LeaveConsumerGroup(group, request);
        }

        var memberId = request.MemberId;
        ConsumerGroupMember? existing = null;
        if (request.MemberEpoch == 0)
        {
            if (memberId.Length == 0)
            {
                memberId = GenerateConsumerMemberId();
            }

            existing = group?.Members.GetValueOrDefault(memberId);
            if (request.InstanceId is { } instanceId && group is not null)
            {
                foreach (var other in group.Members.Values)
                {
                    if (other.MemberId != memberId && other.Metadata.InstanceId == instanceId)
                    {
                        return HeartbeatError(ErrorCode.UnreleasedInstanceId, $"Static member {instanceId} is still used by member {other.MemberId}.");
                    }
                }
            }
        }
        else
        {
            existing = group?.Members.GetValueOrDefault(memberId);
            if (existing is null)
            {
                return HeartbeatError(ErrorCode.UnknownMemberId, $"Member {memberId} is not a member of group {request.GroupId}.");
            }

            var current = existing.Assignment;
            if (request.MemberEpoch != current.MemberEpoch
                && !(request.MemberEpoch == current.PreviousMemberEpoch && IsSubset(OwnedPartitions(request), current.AssignedPartitions)))
            {
                // KIP-848: an epoch the coordinator did not give (or no longer accepts) means the member was fenced.
                return HeartbeatError(ErrorCode.FencedMemberEpoch, $"Member epoch {request.MemberEpoch} is not {current.MemberEpoch}.");
            }
        }

        if (EmptyClassicGroup(classic) is { } emptyClassic)
        {
            // An empty classic group becomes a consumer group; its offsets stay under the same id.
            Emit(new GroupMetadataRecord(emptyClassic.GroupId, null));
        }

        var previousMetadata = existing?.Metadata;
        var metadata = new ConsumerGroupMemberMetadata(
            request.InstanceId ?? previousMetadata?.InstanceId,
            request.RackId ?? previousMetadata?.RackId,
            clientId,
            clientHost,
            request.SubscribedTopicNames ?? previousMetadata?.SubscribedTopicNames ?? [],
            request.SubscribedTopicRegex is { Length: > 0 } regex ? regex : request.SubscribedTopicRegex is null ? previousMetadata?.SubscribedTopicRegex : null,
            request.RebalanceTimeoutMs != -1 ? request.RebalanceTimeoutMs : previousMetadata?.RebalanceTimeoutMs ?? _config.ConsumerGroupDefaultRebalanceTimeoutMs,
            request.ServerAssignor ?? previousMetadata?.ServerAssignor);

        // A member (re)joining with epoch 0 owns nothing, whatever it owned under that id before.
        var currentAssignment = request.MemberEpoch == 0 || existing is null ? ConsumerGroupMemberAssignment.Joining : existing.Assignment;
        var owned = OwnedPartitions(request);
        var next = UpdateConsumerGroupMember(request.GroupId, group, existing, memberId, metadata, currentAssignment, owned);
        var timeouts = TimeoutsOf(request.GroupId);
        if (existing is not null)
        {
            existing.SessionDeadlineMs = Now + timeouts.SessionTimeoutMs;
        }

        var response = new ConsumerGroupHeartbeatResponse
        {
            MemberId = memberId,
            MemberEpoch = next.MemberEpoch,
            HeartbeatIntervalMs = timeouts.HeartbeatIntervalMs,
        };
        if (request.MemberEpoch == 0
            || !next.AssignedPartitions.SetEquals(currentAssignment.AssignedPartitions)
            || (owned is not null && !next.AssignedPartitions.SetEquals(owned)))
        {
            response.Assignment = ToResponseAssignment(next.AssignedPartitions);
        }

        return response;
    }

    /// <summary>
    /// The step both protocols share (Kafka's consumerGroupHeartbeat and classicGroupJoinToConsumerGroup): the
    /// member's metadata is persisted if it changed, the group epoch bumped when a subscription or a subscribed
    /// topic changed, the target assignment recomputed when the group epoch is ahead of it, and the member
    /// reconciled from <paramref name="currentAssignment"/> towards its target. Returns the member's new assignment.
    /// </summary>
    private ConsumerGroupMemberAssignment UpdateConsumerGroupMember(
        string groupId,
        ConsumerGroup? group,
        ConsumerGroupMember? existing,
        string memberId,
        ConsumerGroupMemberMetadata metadata,
        ConsumerGroupMemberAssignment currentAssignment,
        ImmutableSortedSet<TopicIdPartition>? owned)
    {
        var previousMetadata = existing?.Metadata;
        if (previousMetadata is null || !metadata.SameAs(previousMetadata))
        {
            Emit(new ConsumerGroupMemberMetadataRecord(groupId, memberId, metadata));
        }

        // The group as it will be once these records are replayed: this member with its new metadata.
        var memberMetadata = new SortedDictionary<string, ConsumerGroupMemberMetadata>(StringComparer.Ordinal);
        if (group is not null)
        {
            foreach (var member in group.Members.Values)
            {
                memberMetadata[member.MemberId] = member.Metadata;
            }
        }

        memberMetadata[memberId] = metadata;
        var subscribed = ResolveSubscriptions(memberMetadata, out var fingerprint);
        var groupEpoch = group?.GroupEpoch ?? 0;
        if (previousMetadata is null || metadata.SubscriptionDiffers(previousMetadata) || fingerprint != group?.SubscribedTopicsFingerprint)
        {
            groupEpoch++;
            Emit(new ConsumerGroupMetadataRecord(groupId, groupEpoch) { SubscribedTopicsFingerprint = fingerprint });
        }

        var assignmentEpoch = group?.AssignmentEpoch ?? 0;
        ImmutableSortedSet<TopicIdPartition> target;
        if (groupEpoch > assignmentEpoch)
        {
            var assignorName = ChooseAssignor(memberMetadata.Values);
            var targets = ComputeTargetAssignment(groupId, group, memberMetadata, subscribed, assignorName, groupEpoch);
            target = targets.GetValueOrDefault(memberId) ?? [];
            assignmentEpoch = groupEpoch;
        }
        else
        {
            target = existing?.Target ?? [];
        }

        var next = MemberReconciler.Reconcile(currentAssignment, assignmentEpoch, target, owned, p => group?.IsOwnedByOther(memberId, p) ?? false);
        if (existing is null || !next.SameAs(existing.Assignment))
        {
            Emit(new ConsumerGroupCurrentMemberAssignmentRecord(groupId, memberId, next));
        }

        return next;
    }

    private static ClassicGroup? EmptyClassicGroup(ClassicGroup? classic) =>
        classic is { ProtocolType: not null, MemberCount: 0, State: GroupState.Empty } ? classic : null;

    /// <summary>Kafka's request checks for ConsumerGroupHeartbeat; null when the request is well formed.</summary>
    private ConsumerGroupHeartbeatResponse? ValidateHeartbeatRequest(ConsumerGroupHeartbeatRequest request, short version)
    {
        if (request.GroupId.Length == 0)
        {
            return HeartbeatError(ErrorCode.InvalidRequest, "GroupId can't be empty.");
        }

        if (request.InstanceId is { Length: 0 })
        {
            return HeartbeatError(ErrorCode.InvalidRequest, "InstanceId can't be empty.");
        }

        if (request.RackId is { Length: 0 })
        {
            return HeartbeatError(ErrorCode.InvalidRequest, "RackId can't be empty.");
        }

        switch (request.MemberEpoch)
        {
            case 0:
                if (version >= 1 && request.MemberId.Length == 0)
                {
                    return HeartbeatError(ErrorCode.InvalidRequest, "MemberId can't be empty.");
                }

                if (request.RebalanceTimeoutMs == -1)
                {
                    return HeartbeatError(ErrorCode.InvalidRequest, "RebalanceTimeoutMs must be provided in first request.");
                }

                if (request.TopicPartitions is not { Count: 0 })
                {
                    return HeartbeatError(ErrorCode.InvalidRequest, "TopicPartitions must be empty when (re-)joining.");
                }

                if (request.SubscribedTopicNames is null && request.SubscribedTopicRegex is null)
                {
                    return HeartbeatError(ErrorCode.InvalidRequest, "SubscribedTopicNames or SubscribedTopicRegex must be set in first request.");
                }

                break;
            case LeaveGroupStaticMemberEpoch when request.InstanceId is null:
                return HeartbeatError(ErrorCode.InvalidRequest, "InstanceId can't be null when leaving as a static member.");
            case > 0 or LeaveGroupMemberEpoch or LeaveGroupStaticMemberEpoch:
                if (request.MemberId.Length == 0)
                {
                    return HeartbeatError(ErrorCode.InvalidRequest, "MemberId can't be empty.");
                }

                break;
            default:
                return HeartbeatError(ErrorCode.InvalidRequest, $"MemberEpoch {request.MemberEpoch} is invalid.");
        }

        if (request.SubscribedTopicRegex is { Length: > 0 } regex && !SubscriptionRegex.IsValid(regex))
        {
            return HeartbeatError(ErrorCode.InvalidRegularExpression, $"SubscribedTopicRegex {regex} is not a valid regular expression.");
        }

        if (request.ServerAssignor is { } assignor && FindAssignor(assignor) is null)
        {
            return HeartbeatError(ErrorCode.UnsupportedAssignor, $"ServerAssignor {assignor} is not supported; supported: {string.Join(", ", _config.ConsumerGroupAssignors)}.");
        }

        return null;
    }

    private ConsumerGroupHeartbeatResponse LeaveConsumerGroup(ConsumerGroup? group, ConsumerGroupHeartbeatRequest request)
    {
        var member = group?.Members.GetValueOrDefault(request.MemberId);
        if (group is null || member is null)
        {
            return HeartbeatError(ErrorCode.UnknownMemberId, $"Member {request.MemberId} is not a member of group {request.GroupId}.");
        }

        RemoveConsumerMembers(group, [member]);
        return new ConsumerGroupHeartbeatResponse { MemberId = member.MemberId, MemberEpoch = request.MemberEpoch };
    }

    /// <summary>
    /// Removes members (leave, session or rebalance timeout): their records are tombstoned and the group
    /// epoch bumped once, so the others get the freed partitions through a new target assignment. When the
    /// one leaving is the last consumer-protocol member among classic ones, the group becomes classic instead.
    /// </summary>
    private void RemoveConsumerMembers(ConsumerGroup group, IReadOnlyList<ConsumerGroupMember> members)
    {
        if (members.Count == 1 && MaybeDowngradeToClassicGroup(group, members[0]))
        {
            return;
        }

        foreach (var member in members)
        {
            Emit(new ConsumerGroupCurrentMemberAssignmentRecord(group.GroupId, member.MemberId, null));
            Emit(new ConsumerGroupTargetAssignmentMemberRecord(group.GroupId, member.MemberId, null));
            Emit(new ConsumerGroupMemberMetadataRecord(group.GroupId, member.MemberId, null));
        }

        Emit(new ConsumerGroupMetadataRecord(group.GroupId, group.GroupEpoch + 1) { SubscribedTopicsFingerprint = group.SubscribedTopicsFingerprint });
    }

    /// <summary>
    /// Runs the group's assignor over <paramref name="members"/> and emits the target records that changed,
    /// then the target's epoch (Kafka writes the members' targets first, so a reader never sees an epoch
    /// whose targets are missing). Returns every member's target.
    /// </summary>
    private Dictionary<string, ImmutableSortedSet<TopicIdPartition>> ComputeTargetAssignment(
        string groupId,
        ConsumerGroup? group,
        SortedDictionary<string, ConsumerGroupMemberMetadata> members,
        Dictionary<string, (HashSet<Uuid> TopicIds, Dictionary<Uuid, int> PartitionCounts)> subscribed,
        string assignorName,
        int epoch)
    {
        var specs = new List<AssignmentMemberSpec>(members.Count);
        var partitionCounts = new Dictionary<Uuid, int>();
        foreach (var memberId in members.Keys)
        {
            var (topicIds, counts) = subscribed[memberId];
            foreach (var (topicId, count) in counts)
            {
                partitionCounts[topicId] = count;
            }

            specs.Add(new AssignmentMemberSpec(memberId, topicIds, group?.Members.GetValueOrDefault(memberId)?.Target ?? []));
        }

        var assignor = FindAssignor(assignorName) ?? new UniformAssignor();
        var assigned = assignor.Assign(specs, partitionCounts);
        var targets = new Dictionary<string, ImmutableSortedSet<TopicIdPartition>>(StringComparer.Ordinal);
        foreach (var memberId in members.Keys)
        {
            var target = assigned.GetValueOrDefault(memberId) ?? [];
            targets[memberId] = target;
            var previous = group?.Members.GetValueOrDefault(memberId)?.Target;
            if (previous is null || !previous.SetEquals(target))
            {
                Emit(new ConsumerGroupTargetAssignmentMemberRecord(groupId, memberId, target));
            }
        }

        Emit(new ConsumerGroupTargetAssignmentMetadataRecord(groupId, epoch));
        return targets;
    }

    /// <summary>
    /// Resolves every member's subscription (names that exist, plus the topics its regex matches) against
    /// the topic catalogue. <paramref name="fingerprint"/> names the subscribed topics with their ids and
    /// partition counts, so a created, deleted or grown topic changes it.
    /// </summary>
    private Dictionary<string, (HashSet<Uuid> TopicIds, Dictionary<Uuid, int> PartitionCounts)> ResolveSubscriptions(
        SortedDictionary<string, ConsumerGroupMemberMetadata> members,
        out string fingerprint)
    {
        var result = new Dictionary<string, (HashSet<Uuid>, Dictionary<Uuid, int>)>(StringComparer.Ordinal);
        var all = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (memberId, metadata) in members)
        {
            var topicIds = new HashSet<Uuid>();
            var counts = new Dictionary<Uuid, int>();
            if (_topics is not null)
            {
                foreach (var name in metadata.SubscribedTopicNames)
                {
                    if (_topics.TryGetTopic(name, out var topic))
                    {
                        Add(topic);
                    }
                }

                if (metadata.SubscribedTopicRegex is { } pattern && SubscriptionRegex.TryCompile(pattern) is { } regex)
                {
                    foreach (var topic in _topics.Topics)
                    {
                        if (!topic.IsInternal && regex.IsMatch(topic.Name))
                        {
                            Add(topic);
                        }
                    }
                }
            }

            result[memberId] = (topicIds, counts);

            void Add(CatalogTopic topic)
            {
                topicIds.Add(topic.TopicId);
                counts[topic.TopicId] = topic.PartitionCount;
                all.Add($"{topic.Name}/{topic.TopicId}/{topic.PartitionCount}");
            }
        }

        fingerprint = string.Join(",", all);
        return result;
    }

    /// <summary>Kafka's choice: the assignor most members ask for (ties by name), else the first configured one.</summary>
    private string ChooseAssignor(IEnumerable<ConsumerGroupMemberMetadata> members)
    {
        var votes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var member in members)
        {
            if (member.ServerAssignor is { } name)
            {
                votes[name] = votes.GetValueOrDefault(name) + 1;
            }
        }

        string? chosen = null;
        foreach (var (name, count) in votes)
        {
            if (chosen is null || count > votes[chosen])
            {
                chosen = name;
            }
        }

        return chosen ?? _config.ConsumerGroupAssignors[0];
    }

    private IConsumerGroupAssignor? FindAssignor(string name)
    {
        if (!_config.ConsumerGroupAssignors.Contains(name, StringComparer.Ordinal))
        {
            return null;
        }

        return name switch
        {
            UniformAssignor.AssignorName => new UniformAssignor(),
            RangeAssignor.AssignorName => new RangeAssignor(),
            _ => null,
        };
    }

    private static ImmutableSortedSet<TopicIdPartition>? OwnedPartitions(ConsumerGroupHeartbeatRequest request)
    {
        if (request.TopicPartitions is null)
        {
            return null;
        }

        var builder = ImmutableSortedSet.CreateBuilder<TopicIdPartition>();
        foreach (var topic in request.TopicPartitions)
        {
            foreach (var partition in topic.Partitions)
            {
                builder.Add(new TopicIdPartition(topic.TopicId, partition));
            }
        }

        return builder.ToImmutable();
    }

    private static bool IsSubset(ImmutableSortedSet<TopicIdPartition>? owned, ImmutableSortedSet<TopicIdPartition> assigned) =>
        owned is null || owned.IsSubsetOf(assigned);

    private static ConsumerGroupHeartbeatResponse.AssignmentData ToResponseAssignment(ImmutableSortedSet<TopicIdPartition> partitions)
    {
        var assignment = new ConsumerGroupHeartbeatResponse.AssignmentData();
        foreach (var partition in partitions)
        {
            if (assignment.TopicPartitions.Count == 0 || assignment.TopicPartitions[^1].TopicId != partition.TopicId)
            {
                assignment.TopicPartitions.Add(new ConsumerGroupHeartbeatResponse.TopicPartitions { TopicId = partition.TopicId });
            }

            assignment.TopicPartitions[^1].Partitions.Add(partition.Partition);
        }

        return assignment;
    }

    /// <summary>A member id for v0 clients, which let the coordinator choose (v1+ clients bring their own UUID).</summary>
    private string GenerateConsumerMemberId()
    {
        Span<byte> bytes = stackalloc byte[16];
        _random.NextBytes(bytes);
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
