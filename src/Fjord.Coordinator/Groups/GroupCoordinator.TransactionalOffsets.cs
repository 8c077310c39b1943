using System.Text;
using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Coordinator.Groups;

/// <summary>
/// Transactional offset commits (KIP-98, KIP-447; Kafka's OffsetMetadataManager): a TxnOffsetCommit's offsets are
/// written as a transactional batch of the producer and stay pending for (group, producer) until the transaction's
/// marker reaches the group's <c>__consumer_offsets</c> partition: a commit marker makes them committed (unless a
/// plain commit of the same partition was written after them), an abort marker drops them.
/// </summary>
public sealed partial class GroupCoordinator
{
    // (offsets partition, producer id) -> group -> (topic, partition) -> pending offset; a marker resolves one key.
    private readonly Dictionary<(int OffsetsPartition, long ProducerId), Dictionary<string, Dictionary<(string Topic, int Partition), PendingTransactionalOffset>>> _pendingTransactionalOffsets = [];

    // The producers with pending offsets (or an open transaction whose offsets were deleted) in each group.
    private readonly Dictionary<string, HashSet<long>> _openTransactionsByGroup = new(StringComparer.Ordinal);

    // Replay order of offset records, which is their log order within a partition (Kafka compares record offsets).
    private long _lastOffsetLogOrder;

    /// <summary>
    /// TxnOffsetCommit (v0-4). v3+ (KIP-447) carry the member id, generation and group instance id, checked like
    /// OffsetCommit's (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, FENCED_INSTANCE_ID; a KIP-848 group's member epoch,
    /// a stale one answered ILLEGAL_GENERATION as Kafka does); generation -1 without a member is not checked, and
    /// older versions send no member at all. The result's records carry <see cref="CoordinatorOutput.Transaction"/>:
    /// the shell appends them as the producer's transactional batch, and they are pending once replayed.
    /// <paramref name="verificationGuard"/> is the broker's KIP-890 guard, passed through untouched to that append.
    /// </summary>
    public CoordinatorResult<TxnOffsetCommitResponse> CommitTransactionalOffsets(TxnOffsetCommitRequest request, short version, object? verificationGuard = null)
    {
        Begin();
        var error = ValidateTransactionalCommit(request, version);
        var response = new TxnOffsetCommitResponse();
        var now = Now;
        foreach (var topic in request.Topics)
        {
            var topicResponse = new TxnOffsetCommitResponse.TxnOffsetCommitResponseTopic { Name = topic.Name };
            response.Topics.Add(topicResponse);
            foreach (var partition in topic.Partitions)
            {
                var partitionError = CommitPartition(request.GroupId, topic.Name, partition.PartitionIndex, partition.CommittedOffset,
                    partition.CommittedLeaderEpoch, partition.CommittedMetadata, error, now);

                topicResponse.Partitions.Add(new TxnOffsetCommitResponse.TxnOffsetCommitResponsePartition
                {
                    PartitionIndex = partition.PartitionIndex,
                    ErrorCode = (short)partitionError,
                });
            }
        }

        return Finish(response, new TransactionalProducer(request.ProducerId, request.ProducerEpoch) { VerificationGuard = verificationGuard });
    }

    /// <summary>
    /// The marker of <paramref name="producerId"/>'s transaction was appended to <paramref name="offsetsPartition"/>
    /// (WriteTxnMarkers): replays it while the partition is served. While it loads, the loader reads the marker from
    /// the log itself; a partition this node does not coordinate answers NOT_COORDINATOR.
    /// </summary>
    public ErrorCode CompleteTransaction(int offsetsPartition, long producerId, bool commit)
    {
        switch (PartitionState(offsetsPartition))
        {
            case CoordinatorPartitionState.Active:
                ReplayEndTransaction(offsetsPartition, producerId, commit);
                return ErrorCode.None;
            case CoordinatorPartitionState.Loading:
                return ErrorCode.None;
            default:
                return ErrorCode.NotCoordinator;
        }
    }

    /// <summary>
    /// Applies a commit or abort marker of <paramref name="producerId"/> found in <paramref name="offsetsPartition"/>:
    /// on commit each pending offset becomes the committed one unless the committed one was written later (Kafka:
    /// the offset with the higher log offset wins); on abort they are dropped. A marker without pending offsets is
    /// ignored. Called for markers read while loading and by <see cref="CompleteTransaction"/>.
    /// </summary>
    public void ReplayEndTransaction(int offsetsPartition, long producerId, bool commit)
    {
        if (!_pendingTransactionalOffsets.Remove((offsetsPartition, producerId), out var byGroup))
        {
            return;
        }

        foreach (var (groupId, offsets) in byGroup)
        {
            if (_openTransactionsByGroup.TryGetValue(groupId, out var producers) && producers.Remove(producerId) && producers.Count == 0)
            {
                _openTransactionsByGroup.Remove(groupId);
            }

            if (!commit || offsets.Count == 0)
            {
                continue;
            }

            var group = GetOrCreateForReplay(groupId);
            foreach (var (key, pending) in offsets)
            {
                if (!group.Offsets.ContainsKey(key) || group.OffsetLogOrder.GetValueOrDefault(key, -1) < pending.LogOrder)
                {
                    group.Offsets[key] = pending.Value;
                    group.OffsetLogOrder[key] = pending.LogOrder;
                }
            }
        }
    }

    /// <summary>Whether some open transaction has a pending offset for the group's <paramref name="topic"/>-<paramref name="partition"/>.</summary>
    public bool HasPendingTransactionalOffsets(string groupId, string topic, int partition)
    {
        if (!_openTransactionsByGroup.TryGetValue(groupId, out var producers))
        {
            return false;
        }

        var offsetsPartition = PartitionFor(groupId);
        foreach (var producerId in producers)
        {
            if (_pendingTransactionalOffsets.TryGetValue((offsetsPartition, producerId), out var byGroup)
                && byGroup.TryGetValue(groupId, out var offsets)
                && offsets.ContainsKey((topic, partition)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the group has an open transaction that wrote offsets to it (such a group does not expire).</summary>
    public bool HasOpenTransactions(string groupId) => _openTransactionsByGroup.ContainsKey(groupId);

    /// <summary>The partitions with a pending offset in the group, but no committed one (each once).</summary>
    private SortedSet<(string Topic, int Partition)> PendingOnlyPartitions(string groupId)
    {
        var partitions = new SortedSet<(string Topic, int Partition)>();
        if (!_openTransactionsByGroup.TryGetValue(groupId, out var producers))
        {
            return partitions;
        }

        _groups.TryGetValue(groupId, out var group);
        var offsetsPartition = PartitionFor(groupId);
        foreach (var producerId in producers)
        {
            if (_pendingTransactionalOffsets.TryGetValue((offsetsPartition, producerId), out var byGroup) && byGroup.TryGetValue(groupId, out var offsets))
            {
                foreach (var key in offsets.Keys)
                {
                    if (group is null || !group.Offsets.ContainsKey(key))
                    {
                        partitions.Add(key);
                    }
                }
            }
        }

        return partitions;
    }

    /// <summary>
    /// DeleteGroups: Kafka also writes tombstones for the partitions that only have pending transactional offsets
    /// (one tombstone per partition: those with a committed offset already get one).
    /// </summary>
    private void EmitPendingOffsetTombstones(string groupId)
    {
        foreach (var (topic, partition) in PendingOnlyPartitions(groupId))
        {
            Emit(new OffsetCommitRecord(groupId, topic, partition, null));
        }
    }

    private void ReplayTransactionalOffset(OffsetCommitRecord record, OffsetCommitValue value, long producerId)
    {
        // Kafka creates the "simple" group here, as for a plain commit of a group that does not exist.
        GetOrCreateForReplay(record.GroupId);
        var key = (PartitionFor(record.GroupId), producerId);
        if (!_pendingTransactionalOffsets.TryGetValue(key, out var byGroup))
        {
            byGroup = new Dictionary<string, Dictionary<(string Topic, int Partition), PendingTransactionalOffset>>(StringComparer.Ordinal);
            _pendingTransactionalOffsets.Add(key, byGroup);
        }

        if (!byGroup.TryGetValue(record.GroupId, out var offsets))
        {
            offsets = [];
            byGroup.Add(record.GroupId, offsets);
        }

        offsets[(record.Topic, record.Partition)] = new PendingTransactionalOffset(value, ++_lastOffsetLogOrder);
        if (!_openTransactionsByGroup.TryGetValue(record.GroupId, out var producers))
        {
            producers = [];
            _openTransactionsByGroup.Add(record.GroupId, producers);
        }

        producers.Add(producerId);
    }

    /// <summary>A tombstone of the partition drops its pending offsets; the transactions stay open until their markers, as in Kafka.</summary>
    private void RemovePendingTransactionalOffsets(string groupId, string topic, int partition)
    {
        if (!_openTransactionsByGroup.TryGetValue(groupId, out var producers))
        {
            return;
        }

        var offsetsPartition = PartitionFor(groupId);
        foreach (var producerId in producers)
        {
            if (_pendingTransactionalOffsets.TryGetValue((offsetsPartition, producerId), out var byGroup) && byGroup.TryGetValue(groupId, out var offsets))
            {
                offsets.Remove((topic, partition));
            }
        }
    }

    /// <summary>The partition is no longer coordinated here: its pending offsets go with its groups (reloading rebuilds them).</summary>
    private void UnloadTransactionalOffsets(int offsetsPartition)
    {
        foreach (var key in _pendingTransactionalOffsets.Keys.Where(k => k.OffsetsPartition == offsetsPartition).ToList())
        {
            _pendingTransactionalOffsets.Remove(key);
        }

        foreach (var groupId in _openTransactionsByGroup.Keys.Where(g => PartitionFor(g) == offsetsPartition).ToList())
        {
            _openTransactionsByGroup.Remove(groupId);
        }
    }

    /// <summary>
    /// Kafka's validateTransactionalOffsetCommit: an unknown group accepts generation -1 (a simple group) and answers
    /// ILLEGAL_GENERATION otherwise; a classic group checks the member as ClassicGroup.validateOffsetCommit with
    /// isTransactional (no REBALANCE_IN_PROGRESS, and no member at all is accepted in any state); a KIP-848 group
    /// checks the member epoch.
    /// </summary>
    private ErrorCode ValidateTransactionalCommit(TxnOffsetCommitRequest request, short version)
    {
        var error = Validate(request.GroupId, requireNonEmptyId: true, out _);
        if (error != ErrorCode.None)
        {
            return error;
        }

        // Before v3 the request names no member (the fields read as their defaults); v3+ may still send none.
        var generation = version >= 3 ? request.GenerationId : -1;
        var memberId = version >= 3 ? request.MemberId : "";
        var groupInstanceId = version >= 3 ? request.GroupInstanceId : null;
        if (_consumerGroups.TryGetValue(request.GroupId, out var consumerGroup))
        {
            if (generation < 0 && consumerGroup.Members.Count == 0)
            {
                return ErrorCode.None;
            }

            if (!consumerGroup.Members.TryGetValue(memberId, out var consumerMember))
            {
                return ErrorCode.UnknownMemberId;
            }

            // Kafka turns the STALE_MEMBER_EPOCH of a transactional commit into ILLEGAL_GENERATION.
            return generation == consumerMember.Assignment.MemberEpoch ? ErrorCode.None : ErrorCode.IllegalGeneration;
        }

        if (!_groups.TryGetValue(request.GroupId, out var group))
        {
            return generation < 0 ? ErrorCode.None : ErrorCode.IllegalGeneration;
        }

        if (group.State == GroupState.Dead)
        {
            return ErrorCode.CoordinatorNotAvailable;
        }

        if ((generation < 0 && group.State == GroupState.Empty) || (generation < 0 && memberId.Length == 0 && groupInstanceId is null))
        {
            return ErrorCode.None;
        }

        if (groupInstanceId is not null)
        {
            var registered = group.StaticMemberId(groupInstanceId);
            if (registered is null)
            {
                return ErrorCode.UnknownMemberId;
            }

            if (registered != memberId)
            {
                return ErrorCode.FencedInstanceId;
            }
        }

        if (!group.Has(memberId))
        {
            return ErrorCode.UnknownMemberId;
        }

        return generation == group.GenerationId ? ErrorCode.None : ErrorCode.IllegalGeneration;
    }

    /// <summary>The per-partition checks OffsetCommit and TxnOffsetCommit share: the partition exists, the metadata fits.</summary>
    private ErrorCode CheckCommittedPartition(string topic, int partition, string? metadata)
    {
        if (_partitionView is not null && !_partitionView.Exists(topic, partition))
        {
            return ErrorCode.UnknownTopicOrPartition;
        }

        return metadata is not null && Encoding.UTF8.GetByteCount(metadata) > _config.OffsetMetadataMaxBytes
            ? ErrorCode.OffsetMetadataTooLarge
            : ErrorCode.None;
    }

    /// <summary>An offset of an open transaction and where its record lies in the log (replay order).</summary>
    private readonly record struct PendingTransactionalOffset(OffsetCommitValue Value, long LogOrder);
}
