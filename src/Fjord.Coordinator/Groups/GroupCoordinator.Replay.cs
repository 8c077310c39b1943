using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Protocol.Records;

namespace Fjord.Coordinator.Groups;

public sealed partial class GroupCoordinator
{
    /// <summary>
    /// Applies one record of <c>__consumer_offsets</c>: the only way committed offsets, group snapshots
    /// and deletions change. Called by the shell for each record it appended (in order, after the
    /// append succeeded) and for each record read back while loading a partition. Replaying any
    /// prefix of a partition's records yields the state that prefix describes.
    /// </summary>
    public void Replay(CoordinatorRecord record) => Replay(record, RecordBatchHeader.NoProducerId);

    /// <summary>
    /// <see cref="Replay(CoordinatorRecord)"/> of a record from a batch of <paramref name="producerId"/>: an offset
    /// from a transactional batch (TxnOffsetCommit) becomes pending for that producer until its marker is replayed
    /// (<see cref="ReplayEndTransaction"/>); <see cref="RecordBatchHeader.NoProducerId"/> for any other batch.
    /// </summary>
    public void Replay(CoordinatorRecord record, long producerId)
    {
        if (producerId != RecordBatchHeader.NoProducerId && record is OffsetCommitRecord { Value: { } value } transactional)
        {
            ReplayTransactionalOffset(transactional, value, producerId);
            return;
        }

        switch (record)
        {
            case OffsetCommitRecord offset:
                ReplayOffset(offset);
                break;
            case GroupMetadataRecord metadata:
                ReplayGroupMetadata(metadata);
                break;
            default:
                ReplayConsumerGroupRecord(record);
                break;
        }
    }

    private void ReplayOffset(OffsetCommitRecord record)
    {
        if (record.Value is null)
        {
            if (_groups.TryGetValue(record.GroupId, out var existing))
            {
                existing.Offsets.Remove((record.Topic, record.Partition));
                existing.OffsetLogOrder.Remove((record.Topic, record.Partition));
            }

            // Kafka: a tombstone also drops the partition's pending transactional offsets of the group.
            RemovePendingTransactionalOffsets(record.GroupId, record.Topic, record.Partition);
            return;
        }

        var group = GetOrCreateForReplay(record.GroupId);
        group.Offsets[(record.Topic, record.Partition)] = record.Value;
        group.OffsetLogOrder[(record.Topic, record.Partition)] = ++_lastOffsetLogOrder;
    }

    private void ReplayGroupMetadata(GroupMetadataRecord record)
    {
        if (record.Value is null)
        {
            // A tombstone deletes the group; offsets that outlive it (none when this node wrote it)
            // keep a bare group that only stores offsets. Only empty groups get tombstones, so nothing is parked.
            if (_groups.TryGetValue(record.GroupId, out var deleted))
            {
                deleted.TransitionTo(GroupState.Dead, Now);
                _groups.Remove(record.GroupId);
                if (deleted.HasOffsets)
                {
                    var bare = GetOrCreateForReplay(record.GroupId);
                    foreach (var (key, offset) in deleted.Offsets)
                    {
                        bare.Offsets[key] = offset;
                    }

                    foreach (var (key, order) in deleted.OffsetLogOrder)
                    {
                        bare.OffsetLogOrder[key] = order;
                    }
                }
            }

            return;
        }

        var group = GetOrCreateForReplay(record.GroupId);
        if (group.IsLive)
        {
            // The group is being served: its in-memory membership is what the snapshot was taken from.
            return;
        }

        var value = record.Value;
        group.ClearMembers();
        group.ProtocolType = value.ProtocolType.Length == 0 ? null : value.ProtocolType;
        group.GenerationId = value.Generation;
        group.ProtocolName = value.Protocol;
        var now = Now;
        foreach (var stored in value.Members)
        {
            var protocols = new List<GroupProtocol> { new(value.Protocol ?? "", stored.Subscription) };
            group.Add(new GroupMember(stored.MemberId, stored.GroupInstanceId, stored.ClientId, stored.ClientHost, stored.RebalanceTimeoutMs, stored.SessionTimeoutMs, value.ProtocolType, protocols)
            {
                Assignment = stored.Assignment,
                HeartbeatDeadlineMs = now + stored.SessionTimeoutMs,
            });
        }

        group.ProtocolType = value.ProtocolType.Length == 0 ? null : value.ProtocolType;
        group.LeaderId = value.Members.Count == 0 ? null : value.Leader;
        group.TransitionTo(value.Members.Count == 0 ? GroupState.Empty : GroupState.Stable, value.CurrentStateTimestamp >= 0 ? value.CurrentStateTimestamp : now);
        group.SubscribedTopics = ConsumerSubscriptions.SubscribedTopics(group);
    }

    private ClassicGroup GetOrCreateForReplay(string groupId)
    {
        if (!_groups.TryGetValue(groupId, out var group))
        {
            group = new ClassicGroup(groupId, PartitionFor(groupId), Now);
            _groups.Add(groupId, group);
        }

        return group;
    }
}
