using System.Collections.Immutable;
using Fjord.Coordinator.ConsumerGroups;
using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Protocol.Errors;

namespace Fjord.Coordinator.Groups;

// KIP-848's online migration, following Kafka's GroupMetadataManager: a classic group with members becomes a
// consumer group when a consumer-protocol member joins it, and a consumer group whose last consumer-protocol
// member leaves becomes a classic group again, both as group.consumer.migration.policy allows.
public sealed partial class GroupCoordinator
{
    /// <summary>
    /// Converts a classic group with members into a consumer group (Kafka's convertToConsumerGroup and
    /// ConsumerGroup.fromClassicGroup): every member keeps its assignment as its current and target assignment at
    /// the group's generation, which becomes the group and assignment epoch, and keeps speaking the classic
    /// protocol. Parked JoinGroup/SyncGroup requests answer REBALANCE_IN_PROGRESS so their members rejoin. Emits
    /// the classic group's tombstone and the consumer group's records, and returns the group as those records
    /// will rebuild it (the caller goes on with it before they are replayed); null, with the reason, when the
    /// policy or the group's protocol forbids the upgrade.
    /// </summary>
    private ConsumerGroup? UpgradeToConsumerGroup(ClassicGroup classic, out string? refusal)
    {
        refusal = null;
        if (!_config.IsUpgradeEnabled)
        {
            refusal = $"Cannot upgrade classic group {classic.GroupId} to a consumer group: the online upgrade is disabled (group.consumer.migration.policy).";
            return null;
        }

        if (classic.ProtocolType != ConsumerSubscriptions.ConsumerProtocolType)
        {
            refusal = $"Cannot upgrade classic group {classic.GroupId} to a consumer group: it does not use the consumer embedded protocol.";
            return null;
        }

        var epoch = classic.GenerationId;
        var group = new ConsumerGroup(classic.GroupId, classic.Partition) { GroupEpoch = epoch, AssignmentEpoch = epoch };
        foreach (var member in classic.Members)
        {
            var protocols = member.Protocols.Count > 0 ? member.Protocols : [new GroupProtocol(classic.ProtocolName ?? "", member.MetadataFor(classic.ProtocolName))];
            if (!ConsumerSubscriptions.TryReadSubscription(member.MetadataFor(classic.ProtocolName), out var subscription)
                || !ConsumerSubscriptions.TryReadAssignment(member.Assignment, out var assignment))
            {
                refusal = $"Cannot upgrade classic group {classic.GroupId} to a consumer group: the embedded consumer protocol of member {member.MemberId} is malformed.";
                return null;
            }

            var assigned = ToTopicIdPartitions(assignment!.AssignedPartitions.Select(t => (t.Topic, (IEnumerable<int>)t.Partitions)));
            var metadata = new ConsumerGroupMemberMetadata(
                member.GroupInstanceId,
                subscription!.RackId,
                member.ClientId,
                member.ClientHost,
                subscription.Topics,
                null,
                member.RebalanceTimeoutMs,
                null,
                new ClassicMemberMetadata(member.SessionTimeoutMs, protocols));
            group.Members[member.MemberId] = new ConsumerGroupMember(member.MemberId, metadata)
            {
                Assignment = new ConsumerGroupMemberAssignment(epoch, epoch, ConsumerGroupMemberState.Stable, assigned, []),
                Target = assigned,
            };
        }

        foreach (var member in classic.Members)
        {
            FailParked(member, ErrorCode.RebalanceInProgress);
        }

        // Kafka's order: the classic group's tombstone, then subscriptions, group epoch, targets, target epoch, current assignments.
        Emit(new GroupMetadataRecord(classic.GroupId, null));
        foreach (var member in group.Members.Values)
        {
            Emit(new ConsumerGroupMemberMetadataRecord(group.GroupId, member.MemberId, member.Metadata));
        }

        Emit(new ConsumerGroupMetadataRecord(group.GroupId, epoch));
        foreach (var member in group.Members.Values)
        {
            Emit(new ConsumerGroupTargetAssignmentMemberRecord(group.GroupId, member.MemberId, member.Target));
        }

        Emit(new ConsumerGroupTargetAssignmentMetadataRecord(group.GroupId, epoch));
        foreach (var member in group.Members.Values)
        {
            Emit(new ConsumerGroupCurrentMemberAssignmentRecord(group.GroupId, member.MemberId, member.Assignment));
        }

        return group;
    }

    /// <summary>
    /// Called before <paramref name="leaving"/> is removed: when it is the last member using the consumer protocol
    /// and classic members remain, the group becomes a classic group (Kafka's validateOnlineDowngradeWithFencedMember
    /// and ClassicGroup.fromConsumerGroup) at the group epoch as generation, each remaining member with its target
    /// assignment as ConsumerProtocolAssignment bytes, and a rebalance starts so the members rejoin with the classic
    /// protocol. Emits the consumer group's tombstones and the classic group's snapshot; the classic group is served
    /// at once (its membership is in-memory state, as for any classic group). False when nothing was converted.
    /// </summary>
    private bool MaybeDowngradeToClassicGroup(ConsumerGroup group, ConsumerGroupMember leaving)
    {
        var remaining = group.Members.Values.Where(m => m.MemberId != leaving.MemberId).ToList();
        if (leaving.Metadata.UsesClassicProtocol || remaining.Count == 0 || remaining.Any(m => !m.Metadata.UsesClassicProtocol)
            || !_config.IsDowngradeEnabled || remaining.Count > _config.GroupMaxSize)
        {
            return false;
        }

        foreach (var member in group.Members.Values)
        {
            Emit(new ConsumerGroupCurrentMemberAssignmentRecord(group.GroupId, member.MemberId, null));
            Emit(new ConsumerGroupTargetAssignmentMemberRecord(group.GroupId, member.MemberId, null));
            Emit(new ConsumerGroupMemberMetadataRecord(group.GroupId, member.MemberId, null));
        }

        Emit(new ConsumerGroupTargetAssignmentMetadataRecord(group.GroupId, null));
        Emit(new ConsumerGroupMetadataRecord(group.GroupId, null));
        _consumerGroups.Remove(group.GroupId);

        // The bare group that holds the consumer group's offsets becomes the classic group, offsets and all.
        var now = Now;
        var classic = GetOrCreateForReplay(group.GroupId);
        classic.ClearMembers();
        classic.GenerationId = group.GroupEpoch;
        foreach (var member in remaining)
        {
            var session = member.Metadata.Classic!.SessionTimeoutMs;
            classic.Add(new GroupMember(member.MemberId, member.Metadata.InstanceId, member.Metadata.ClientId, member.Metadata.ClientHost,
                member.Metadata.RebalanceTimeoutMs, session, ConsumerSubscriptions.ConsumerProtocolType, member.Metadata.Classic.SupportedProtocols)
            {
                HeartbeatDeadlineMs = now + session,
            });
        }

        classic.ProtocolType = ConsumerSubscriptions.ConsumerProtocolType;
        classic.ProtocolName = classic.SelectProtocol();
        foreach (var member in remaining)
        {
            classic.Get(member.MemberId)!.Assignment = ConsumerSubscriptions.WriteAssignment(ToTopicNamePartitions(member.Target), classic.Get(member.MemberId)!.MetadataFor(classic.ProtocolName));
        }

        classic.SubscribedTopics = ConsumerSubscriptions.SubscribedTopics(classic);
        classic.TransitionTo(GroupState.Stable, now);
        classic.IsLive = true;
        Emit(Snapshot(classic));
        PrepareRebalance(classic);
        return true;
    }

    /// <summary>Partitions named by topic name, resolved to topic ids; topics the catalogue does not know are dropped.</summary>
    private ImmutableSortedSet<TopicIdPartition> ToTopicIdPartitions(IEnumerable<(string Topic, IEnumerable<int> Partitions)> topics)
    {
        var builder = ImmutableSortedSet.CreateBuilder<TopicIdPartition>();
        if (_topics is null)
        {
            return builder.ToImmutable();
        }

        foreach (var (name, partitions) in topics)
        {
            if (_topics.TryGetTopic(name, out var topic))
            {
                foreach (var partition in partitions)
                {
                    builder.Add(new TopicIdPartition(topic.TopicId, partition));
                }
            }
        }

        return builder.ToImmutable();
    }

    /// <summary>Partitions named by topic id, resolved to topic names, in name order; deleted topics are dropped.</summary>
    private List<(string Topic, int Partition)> ToTopicNamePartitions(IEnumerable<TopicIdPartition> partitions)
    {
        var named = new List<(string Topic, int Partition)>();
        foreach (var partition in partitions)
        {
            if (_topics is not null && _topics.TryGetTopic(partition.TopicId, out var topic))
            {
                named.Add((topic.Name, partition.Partition));
            }
        }

        named.Sort((a, b) => a.Topic != b.Topic ? string.CompareOrdinal(a.Topic, b.Topic) : a.Partition.CompareTo(b.Partition));
        return named;
    }

    /// <summary>The session timeout of a consumer-group member: its own for classic members, the group's otherwise.</summary>
    private int SessionTimeoutOf(string groupId, ConsumerGroupMemberMetadata metadata) =>
        metadata.Classic?.SessionTimeoutMs ?? TimeoutsOf(groupId).SessionTimeoutMs;

    /// <summary>A KIP-848 group's timeouts: its GROUP configs over the broker's.</summary>
    internal ConsumerGroupTimeouts TimeoutsOf(string groupId) =>
        _groupConfigs?.For(groupId, _config.ConsumerGroupDefaultTimeouts) ?? _config.ConsumerGroupDefaultTimeouts;
}
