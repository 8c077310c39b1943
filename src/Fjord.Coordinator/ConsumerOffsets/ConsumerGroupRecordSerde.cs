using System.Buffers;
using System.Collections.Immutable;
using Fjord.Coordinator.ConsumerGroups;
using Fjord.Protocol;

namespace Fjord.Coordinator.ConsumerOffsets;

/// <summary>
/// The KIP-848 consumer-group records of <c>__consumer_offsets</c>, in Kafka's layouts written by hand
/// from its documented schemas: keys 3 (group epoch), 5 (member metadata), 6 (target assignment epoch),
/// 7 (a member's target partitions) and 8 (a member's current assignment), each key a classic
/// (non-flexible) int16 version plus strings, each value version 0 in the flexible encoding (compact
/// strings and arrays, empty tagged fields). Key 4 (subscription metadata, dropped by Kafka 4.x) and
/// Kafka's optional tagged fields are neither written nor needed, except the member metadata's tag 0
/// (ClassicMemberMetadata) of members that use the classic protocol; unknown tags are skipped on read.
/// Thread-safe: static, no state.
/// </summary>
public static class ConsumerGroupRecordSerde
{
    public const short MetadataKeyVersion = 3;
    public const short MemberMetadataKeyVersion = 5;
    public const short TargetAssignmentMetadataKeyVersion = 6;
    public const short TargetAssignmentMemberKeyVersion = 7;
    public const short CurrentMemberAssignmentKeyVersion = 8;

    /// <summary>The key, or null when <paramref name="record"/> is not a consumer-group record.</summary>
    public static byte[]? TryEncodeKey(CoordinatorRecord record)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        var writer = new ProtocolWriter(buffer);
        switch (record)
        {
            case ConsumerGroupMetadataRecord:
                writer.WriteInt16(MetadataKeyVersion);
                writer.WriteString(record.GroupId, false);
                break;
            case ConsumerGroupMemberMetadataRecord member:
                writer.WriteInt16(MemberMetadataKeyVersion);
                writer.WriteString(record.GroupId, false);
                writer.WriteString(member.MemberId, false);
                break;
            case ConsumerGroupTargetAssignmentMetadataRecord:
                writer.WriteInt16(TargetAssignmentMetadataKeyVersion);
                writer.WriteString(record.GroupId, false);
                break;
            case ConsumerGroupTargetAssignmentMemberRecord target:
                writer.WriteInt16(TargetAssignmentMemberKeyVersion);
                writer.WriteString(record.GroupId, false);
                writer.WriteString(target.MemberId, false);
                break;
            case ConsumerGroupCurrentMemberAssignmentRecord current:
                writer.WriteInt16(CurrentMemberAssignmentKeyVersion);
                writer.WriteString(record.GroupId, false);
                writer.WriteString(current.MemberId, false);
                break;
            default:
                return null;
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The value bytes (null for a tombstone); <paramref name="handled"/> is false when the record is not a consumer-group record.</summary>
    public static byte[]? TryEncodeValue(CoordinatorRecord record, out bool handled)
    {
        handled = record is ConsumerGroupMetadataRecord or ConsumerGroupMemberMetadataRecord or ConsumerGroupTargetAssignmentMetadataRecord
            or ConsumerGroupTargetAssignmentMemberRecord or ConsumerGroupCurrentMemberAssignmentRecord;
        if (!handled || record.IsTombstone)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(128);
        var writer = new ProtocolWriter(buffer);
        writer.WriteInt16(0);
        switch (record)
        {
            case ConsumerGroupMetadataRecord { Epoch: { } epoch }:
                writer.WriteInt32(epoch);
                break;
            case ConsumerGroupMemberMetadataRecord { Value: { } value }:
                writer.WriteString(value.InstanceId, true);
                writer.WriteString(value.RackId, true);
                writer.WriteString(value.ClientId, true);
                writer.WriteString(value.ClientHost, true);
                writer.WriteArrayLength(value.SubscribedTopicNames.Count, true);
                foreach (var topic in value.SubscribedTopicNames)
                {
                    writer.WriteString(topic, true);
                }

                writer.WriteString(value.SubscribedTopicRegex, true);
                writer.WriteInt32(value.RebalanceTimeoutMs);
                writer.WriteString(value.ServerAssignor, true);
                if (value.Classic is { } classic)
                {
                    WriteClassicMemberMetadata(ref writer, classic);
                    return buffer.WrittenSpan.ToArray();
                }

                break;
            case ConsumerGroupTargetAssignmentMetadataRecord { AssignmentEpoch: { } epoch }:
                writer.WriteInt32(epoch);
                break;
            case ConsumerGroupTargetAssignmentMemberRecord { Partitions: { } partitions }:
                WritePartitions(ref writer, partitions);
                break;
            case ConsumerGroupCurrentMemberAssignmentRecord { Value: { } value }:
                writer.WriteInt32(value.MemberEpoch);
                writer.WriteInt32(value.PreviousMemberEpoch);
                writer.WriteInt8((sbyte)value.State);
                WritePartitions(ref writer, value.AssignedPartitions);
                WritePartitions(ref writer, value.PartitionsPendingRevocation);
                break;
        }

        writer.WriteEmptyTaggedFields();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes the record of a consumer-group key version, the key's version already read; null for other versions.</summary>
    public static CoordinatorRecord? TryDecode(short keyVersion, ref ProtocolReader key, ReadOnlySpan<byte> value, bool valueIsNull)
    {
        if (keyVersion is not (MetadataKeyVersion or MemberMetadataKeyVersion or TargetAssignmentMetadataKeyVersion or TargetAssignmentMemberKeyVersion or CurrentMemberAssignmentKeyVersion))
        {
            return null;
        }

        var groupId = key.ReadString(false) ?? throw new ProtocolException("consumer group key has a null group");
        var memberId = keyVersion is MemberMetadataKeyVersion or TargetAssignmentMemberKeyVersion or CurrentMemberAssignmentKeyVersion
            ? key.ReadString(false) ?? throw new ProtocolException("consumer group member key has a null member id")
            : "";
        if (valueIsNull)
        {
            return keyVersion switch
            {
                MetadataKeyVersion => new ConsumerGroupMetadataRecord(groupId, null),
                MemberMetadataKeyVersion => new ConsumerGroupMemberMetadataRecord(groupId, memberId, null),
                TargetAssignmentMetadataKeyVersion => new ConsumerGroupTargetAssignmentMetadataRecord(groupId, null),
                TargetAssignmentMemberKeyVersion => new ConsumerGroupTargetAssignmentMemberRecord(groupId, memberId, null),
                _ => new ConsumerGroupCurrentMemberAssignmentRecord(groupId, memberId, null),
            };
        }

        var reader = new ProtocolReader(new ReadOnlySequence<byte>(value.ToArray()));
        var valueVersion = reader.ReadInt16();
        if (valueVersion != 0)
        {
            throw new ProtocolException($"unknown consumer group value version {valueVersion} for key version {keyVersion}");
        }

        CoordinatorRecord record;
        switch (keyVersion)
        {
            case MetadataKeyVersion:
                record = new ConsumerGroupMetadataRecord(groupId, reader.ReadInt32());
                break;
            case MemberMetadataKeyVersion:
                {
                    var instanceId = reader.ReadString(true);
                    var rackId = reader.ReadString(true);
                    var clientId = reader.ReadString(true) ?? "";
                    var clientHost = reader.ReadString(true) ?? "";
                    var count = reader.ReadArrayLength(true);
                    var topics = new List<string>(Math.Max(count, 0));
                    for (var i = 0; i < count; i++)
                    {
                        topics.Add(reader.ReadString(true) ?? throw new ProtocolException("null subscribed topic"));
                    }

                    var regex = reader.ReadString(true);
                    var rebalanceTimeout = reader.ReadInt32();
                    var assignor = reader.ReadString(true);
                    var classic = ReadClassicMemberMetadata(ref reader);
                    return new ConsumerGroupMemberMetadataRecord(groupId, memberId, new ConsumerGroupMemberMetadata(instanceId, rackId, clientId, clientHost, topics, regex, rebalanceTimeout, assignor, classic));
                }

            case TargetAssignmentMetadataKeyVersion:
                record = new ConsumerGroupTargetAssignmentMetadataRecord(groupId, reader.ReadInt32());
                break;
            case TargetAssignmentMemberKeyVersion:
                record = new ConsumerGroupTargetAssignmentMemberRecord(groupId, memberId, ReadPartitions(ref reader));
                break;
            default:
                {
                    var epoch = reader.ReadInt32();
                    var previous = reader.ReadInt32();
                    var state = (ConsumerGroupMemberState)reader.ReadInt8();
                    var assigned = ReadPartitions(ref reader);
                    var pending = ReadPartitions(ref reader);
                    record = new ConsumerGroupCurrentMemberAssignmentRecord(groupId, memberId, new ConsumerGroupMemberAssignment(epoch, previous, state, assigned, pending));
                    break;
                }
        }

        reader.SkipTaggedFields();
        return record;
    }

    /// <summary>The tagged-field section holding tag 0, ClassicMemberMetadata: session timeout and the protocols (name, metadata bytes).</summary>
    private static void WriteClassicMemberMetadata(ref ProtocolWriter writer, ClassicMemberMetadata classic)
    {
        var field = new ArrayBufferWriter<byte>(64);
        var inner = new ProtocolWriter(field);
        inner.WriteInt32(classic.SessionTimeoutMs);
        inner.WriteArrayLength(classic.SupportedProtocols.Count, true);
        foreach (var protocol in classic.SupportedProtocols)
        {
            inner.WriteString(protocol.Name, true);
            inner.WriteBytes(protocol.Metadata, true);
            inner.WriteEmptyTaggedFields();
        }

        inner.WriteEmptyTaggedFields();
        writer.WriteUnsignedVarInt(1);
        writer.WriteUnsignedVarInt(0);
        writer.WriteUnsignedVarInt((uint)field.WrittenCount);
        writer.WriteRaw(field.WrittenSpan);
    }

    /// <summary>Reads the member metadata's tagged fields: tag 0 is ClassicMemberMetadata, other tags are skipped.</summary>
    private static ClassicMemberMetadata? ReadClassicMemberMetadata(ref ProtocolReader reader)
    {
        ClassicMemberMetadata? classic = null;
        var count = reader.ReadTaggedFieldCount();
        for (var i = 0; i < count; i++)
        {
            reader.ReadTaggedFieldHeader(out var tag, out var size);
            if (tag != 0)
            {
                reader.Skip(size);
                continue;
            }

            var start = reader.Consumed;
            var sessionTimeout = reader.ReadInt32();
            var protocolCount = reader.ReadArrayLength(true);
            var protocols = new List<Groups.GroupProtocol>(Math.Max(protocolCount, 0));
            for (var p = 0; p < protocolCount; p++)
            {
                var name = reader.ReadString(true) ?? throw new ProtocolException("null classic protocol name");
                var metadata = reader.ReadBytes(true) ?? throw new ProtocolException("null classic protocol metadata");
                reader.SkipTaggedFields();
                protocols.Add(new Groups.GroupProtocol(name, metadata));
            }

            reader.SkipTaggedFields();
            reader.EndTaggedField(tag, start, size);
            classic = new ClassicMemberMetadata(sessionTimeout, protocols);
        }

        return classic;
    }

    private static void WritePartitions(ref ProtocolWriter writer, ImmutableSortedSet<TopicIdPartition> partitions)
    {
        var topics = new List<(Uuid TopicId, List<int> Partitions)>();
        foreach (var partition in partitions)
        {
            if (topics.Count == 0 || topics[^1].TopicId != partition.TopicId)
            {
                topics.Add((partition.TopicId, []));
            }

            topics[^1].Partitions.Add(partition.Partition);
        }

        writer.WriteArrayLength(topics.Count, true);
        foreach (var (topicId, numbers) in topics)
        {
            writer.WriteUuid(topicId);
            writer.WriteArrayLength(numbers.Count, true);
            foreach (var number in numbers)
            {
                writer.WriteInt32(number);
            }

            writer.WriteEmptyTaggedFields();
        }
    }

    private static ImmutableSortedSet<TopicIdPartition> ReadPartitions(ref ProtocolReader reader)
    {
        var builder = ImmutableSortedSet.CreateBuilder<TopicIdPartition>();
        var topics = reader.ReadArrayLength(true);
        for (var t = 0; t < topics; t++)
        {
            var topicId = reader.ReadUuid();
            var count = reader.ReadArrayLength(true);
            for (var i = 0; i < count; i++)
            {
                builder.Add(new TopicIdPartition(topicId, reader.ReadInt32()));
            }

            reader.SkipTaggedFields();
        }

        return builder.ToImmutable();
    }
}
