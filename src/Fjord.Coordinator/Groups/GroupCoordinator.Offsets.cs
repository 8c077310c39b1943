using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Coordinator.Groups;

public sealed partial class GroupCoordinator
{
    /// <summary>
    /// One partition of an OffsetCommit or TxnOffsetCommit: the group-level error if any, else the partition's own check,
    /// else the offset record is emitted. Returns the partition's error.
    /// </summary>
    private ErrorCode CommitPartition(string groupId, string topic, int partition, long offset, int leaderEpoch, string? metadata, ErrorCode groupError, long now)
    {
        if (groupError != ErrorCode.None) return groupError;
        var error = CheckCommittedPartition(topic, partition, metadata);
        if (error == ErrorCode.None)
        {
            Emit(new OffsetCommitRecord(groupId, topic, partition, new OffsetCommitValue(offset, leaderEpoch, metadata ?? "", now)));
        }

        return error;
    }

    /// <summary>
    /// OffsetCommit (any version; <c>GenerationIdOrMemberEpoch</c> is -1 for v0 and for commits from
    /// outside a group). Returns one offset commit record per accepted partition; the offsets become
    /// visible when the shell replays them after the append.
    /// </summary>
    public CoordinatorResult<OffsetCommitResponse> CommitOffsets(OffsetCommitRequest request)
    {
        Begin();
        var error = ValidateCommit(request);
        var response = new OffsetCommitResponse();
        var now = Now;
        foreach (var topic in request.Topics)
        {
            var topicResponse = new OffsetCommitResponse.OffsetCommitResponseTopic { Name = topic.Name };
            response.Topics.Add(topicResponse);
            foreach (var partition in topic.Partitions)
            {
                var partitionError = CommitPartition(request.GroupId, topic.Name, partition.PartitionIndex, partition.CommittedOffset,
                    partition.CommittedLeaderEpoch, partition.CommittedMetadata, error, now);

                topicResponse.Partitions.Add(new OffsetCommitResponse.OffsetCommitResponsePartition
                {
                    PartitionIndex = partition.PartitionIndex,
                    ErrorCode = (short)partitionError,
                });
            }
        }

        return Finish(response);
    }

    private ErrorCode ValidateCommit(OffsetCommitRequest request)
    {
        var error = Validate(request.GroupId, requireNonEmptyId: false, out _);
        if (error != ErrorCode.None)
        {
            return error;
        }

        if (_consumerGroups.TryGetValue(request.GroupId, out var consumerGroup))
        {
            return ValidateConsumerGroupCommit(consumerGroup, request);
        }

        var generation = request.GenerationIdOrMemberEpoch;
        if (!_groups.TryGetValue(request.GroupId, out var group))
        {
            // Generation -1: a group that uses Kafka only to store offsets (assign() consumers, admin tools).
            return generation < 0 ? ErrorCode.None : ErrorCode.IllegalGeneration;
        }

        if (group.State == GroupState.Dead)
        {
            return ErrorCode.CoordinatorNotAvailable;
        }

        if (group.IsStaticMemberFenced(request.GroupInstanceId, request.MemberId))
        {
            return ErrorCode.FencedInstanceId;
        }

        if (generation < 0 && group.State == GroupState.Empty)
        {
            return ErrorCode.None;
        }

        var member = group.Get(request.MemberId);
        if (member is null)
        {
            return ErrorCode.UnknownMemberId;
        }

        if (generation != group.GenerationId)
        {
            return ErrorCode.IllegalGeneration;
        }

        switch (group.State)
        {
            case GroupState.Stable:
            case GroupState.PreparingRebalance:
                // A commit proves the member is alive (Kafka counts it as a heartbeat).
                member.HeartbeatDeadlineMs = Now + member.SessionTimeoutMs;
                return ErrorCode.None;
            case GroupState.CompletingRebalance:
                // The member has no assignment of this generation yet; it must not commit for the old one.
                return ErrorCode.RebalanceInProgress;
            default:
                return ErrorCode.UnknownMemberId;
        }
    }

    /// <summary>
    /// OffsetFetch for one group, in the v8+ per-group shape (the handler reshapes it for older
    /// versions). <paramref name="topics"/> null means every committed offset of the group.
    /// Partitions without a committed offset answer offset -1 and no error, as Kafka does.
    /// <paramref name="memberId"/> and <paramref name="memberEpoch"/> (v9+) are checked against a KIP-848 group.
    /// Pending transactional offsets are never returned: without <paramref name="requireStable"/> (v7+, KIP-447) the
    /// last committed offset is, with it a partition that has one answers UNSTABLE_OFFSET_COMMIT (offset -1), as Kafka.
    /// </summary>
    public OffsetFetchResponse.OffsetFetchResponseGroup FetchOffsets(string groupId, IReadOnlyList<OffsetFetchRequest.OffsetFetchRequestTopics>? topics, string? memberId = null, int memberEpoch = -1, bool requireStable = false)
    {
        var result = new OffsetFetchResponse.OffsetFetchResponseGroup { GroupId = groupId };
        var error = Validate(groupId, requireNonEmptyId: false, out _);
        if (error == ErrorCode.None)
        {
            error = ValidateConsumerGroupFetch(groupId, memberId, memberEpoch);
        }

        if (error != ErrorCode.None)
        {
            result.ErrorCode = (short)error;
            return result;
        }

        _groups.TryGetValue(groupId, out var group);
        if (topics is null)
        {
            if (group is null)
            {
                return result;
            }

            foreach (var byTopic in group.Offsets.GroupBy(o => o.Key.Topic).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var topicResult = new OffsetFetchResponse.OffsetFetchResponseTopics { Name = byTopic.Key };
                foreach (var (key, value) in byTopic.OrderBy(o => o.Key.Partition))
                {
                    topicResult.Partitions.Add(FetchedPartition(groupId, byTopic.Key, key.Partition, value, requireStable));
                }

                result.Topics.Add(topicResult);
            }

            return result;
        }

        foreach (var topic in topics)
        {
            var topicResult = new OffsetFetchResponse.OffsetFetchResponseTopics { Name = topic.Name };
            foreach (var partition in topic.PartitionIndexes)
            {
                var value = group?.Offsets.GetValueOrDefault((topic.Name, partition));
                topicResult.Partitions.Add(FetchedPartition(groupId, topic.Name, partition, value, requireStable));
            }

            result.Topics.Add(topicResult);
        }

        return result;
    }

    private OffsetFetchResponse.OffsetFetchResponsePartitions FetchedPartition(string groupId, string topic, int partition, OffsetCommitValue? value, bool requireStable)
    {
        if (requireStable && HasPendingTransactionalOffsets(groupId, topic, partition))
        {
            return new() { PartitionIndex = partition, CommittedOffset = -1, CommittedLeaderEpoch = -1, Metadata = "", ErrorCode = (short)ErrorCode.UnstableOffsetCommit };
        }

        return new()
        {
            PartitionIndex = partition,
            CommittedOffset = value?.Offset ?? -1,
            CommittedLeaderEpoch = value?.LeaderEpoch ?? -1,
            Metadata = value?.Metadata ?? "",
        };
    }

    /// <summary>The group's committed offsets (admin tools, lag); empty for an unknown group.</summary>
    public IReadOnlyList<CommittedOffset> CommittedOffsets(string groupId)
    {
        if (!_groups.TryGetValue(groupId, out var group))
        {
            return [];
        }

        var offsets = new List<CommittedOffset>(group.Offsets.Count);
        foreach (var ((topic, partition), value) in group.Offsets)
        {
            offsets.Add(new CommittedOffset(topic, partition, value.Offset, value.LeaderEpoch, value.Metadata, value.CommitTimestamp));
        }

        offsets.Sort((a, b) => a.Topic == b.Topic ? a.Partition.CompareTo(b.Partition) : string.CompareOrdinal(a.Topic, b.Topic));
        return offsets;
    }

    /// <summary>
    /// OffsetDelete (KIP-496): removes committed offsets of an empty group, or of topics a live
    /// consumer group no longer subscribes to (subscribed ones answer GROUP_SUBSCRIBED_TO_TOPIC).
    /// </summary>
    public CoordinatorResult<OffsetDeleteResponse> DeleteOffsets(OffsetDeleteRequest request)
    {
        Begin();
        var response = new OffsetDeleteResponse();
        var error = Validate(request.GroupId, requireNonEmptyId: false, out _);
        ClassicGroup? group = null;
        if (error == ErrorCode.None)
        {
            if (!_groups.TryGetValue(request.GroupId, out group) || group.State == GroupState.Dead)
            {
                error = ErrorCode.GroupIdNotFound;
            }
            else if (group.State != GroupState.Empty && group.ProtocolType != ConsumerSubscriptions.ConsumerProtocolType)
            {
                error = ErrorCode.NonEmptyGroup;
            }
        }

        if (error != ErrorCode.None)
        {
            response.ErrorCode = (short)error;
            return Finish(response);
        }

        foreach (var topic in request.Topics)
        {
            var topicResponse = new OffsetDeleteResponse.OffsetDeleteResponseTopic { Name = topic.Name };
            response.Topics.Add(topicResponse);

            // An unknown subscription (null) counts as subscribed: better to refuse than to drop offsets in use.
            var subscribed = group!.State != GroupState.Empty && (group.SubscribedTopics?.Contains(topic.Name) ?? true);
            foreach (var partition in topic.Partitions)
            {
                // Kafka: a tombstone also when only a pending transactional offset exists (the tombstone drops it).
                if (!subscribed && (group.Offsets.ContainsKey((topic.Name, partition.PartitionIndex)) || HasPendingTransactionalOffsets(group.GroupId, topic.Name, partition.PartitionIndex)))
                {
                    Emit(new OffsetCommitRecord(group.GroupId, topic.Name, partition.PartitionIndex, null));
                }

                topicResponse.Partitions.Add(new OffsetDeleteResponse.OffsetDeleteResponsePartition
                {
                    PartitionIndex = partition.PartitionIndex,
                    ErrorCode = (short)(subscribed ? ErrorCode.GroupSubscribedToTopic : ErrorCode.None),
                });
            }
        }

        return Finish(response);
    }

    /// <summary>
    /// offsets.retention.minutes (KIP-211): offsets of an empty group expire that long after it became
    /// empty; offsets of groups that only store offsets expire that long after their commit; offsets
    /// of topics a stable consumer group no longer subscribes to expire that long after their commit.
    /// An empty group left without offsets is deleted (tombstone). Offsets with a pending transactional offset, and
    /// groups with an open transaction, wait for the transaction's end (Kafka's cleanupExpiredOffsets).
    /// </summary>
    private void ExpireOffsets(long now)
    {
        var retention = _config.OffsetsRetentionMs;
        foreach (var group in _groups.Values)
        {
            if (PartitionState(group.Partition) != CoordinatorPartitionState.Active || group.State == GroupState.Dead || IsActiveConsumerGroup(group.GroupId))
            {
                continue;
            }

            var expired = 0;
            foreach (var ((topic, partition), value) in group.Offsets)
            {
                bool expire;
                if (value.ExpireTimestamp >= 0)
                {
                    expire = now >= value.ExpireTimestamp;
                }
                else if (group.ProtocolType is not null && group.State == GroupState.Empty)
                {
                    expire = group.CurrentStateTimestampMs + retention <= now;
                }
                else if (group.ProtocolType is null)
                {
                    expire = value.CommitTimestamp + retention <= now;
                }
                else if (group.ProtocolType == ConsumerSubscriptions.ConsumerProtocolType && group.State == GroupState.Stable && group.SubscribedTopics is { } subscribed && !subscribed.Contains(topic))
                {
                    expire = value.CommitTimestamp + retention <= now;
                }
                else
                {
                    expire = false;
                }

                // Kafka keeps an offset with a pending transactional offset until the transaction ends.
                if (expire && !HasPendingTransactionalOffsets(group.GroupId, topic, partition))
                {
                    Emit(new OffsetCommitRecord(group.GroupId, topic, partition, null));
                    expired++;
                }
            }

            // Nor is a group with an open transaction deleted.
            if (group.State == GroupState.Empty && group.MemberCount == 0 && group.PendingMembers.Count == 0 && group.Offsets.Count == expired && !HasOpenTransactions(group.GroupId))
            {
                Emit(new GroupMetadataRecord(group.GroupId, null));
            }
        }
    }
}
