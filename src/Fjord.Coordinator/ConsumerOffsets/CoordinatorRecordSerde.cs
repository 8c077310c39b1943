using System.Buffers;
using Fjord.Protocol;

namespace Fjord.Coordinator.ConsumerOffsets;

/// <summary>
/// Kafka's on-disk layouts of <c>__consumer_offsets</c> keys and values, written by hand from the
/// documented schemas (group-coordinator's OffsetCommitKey/Value and GroupMetadataKey/Value). Every
/// key and value starts with an int16 version:
/// <list type="bullet">
/// <item>key 0/1: group, topic, partition (an offset commit); key 2: group (group metadata);
/// keys 3 and 5-8 are KIP-848 consumer groups (<see cref="ConsumerGroupRecordSerde"/>); other versions (share groups, key 4) are skipped;</item>
/// <item>OffsetCommitValue 0-3 classic encoding (3: offset, leaderEpoch, metadata, commitTimestamp;
/// 1: with expireTimestamp), 4 flexible;</item>
/// <item>GroupMetadataValue 0-3 classic encoding, 4 flexible.</item>
/// </list>
/// Fjord writes key 1 / value 3 for offsets and key 2 / value 3 for groups, the versions Kafka 3.x
/// writes, so a Kafka tool reading the topic (or a migration) understands it. Thread-safe: static, no state.
/// </summary>
public static class CoordinatorRecordSerde
{
    public const short OffsetCommitKeyVersion = 1;
    public const short GroupMetadataKeyVersion = 2;
    public const short OffsetCommitValueVersion = 3;
    public const short GroupMetadataValueVersion = 3;

    public static byte[] EncodeKey(CoordinatorRecord record)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        var writer = new ProtocolWriter(buffer);
        switch (record)
        {
            case OffsetCommitRecord offset:
                writer.WriteInt16(OffsetCommitKeyVersion);
                writer.WriteString(offset.GroupId, false);
                writer.WriteString(offset.Topic, false);
                writer.WriteInt32(offset.Partition);
                break;
            case GroupMetadataRecord group:
                writer.WriteInt16(GroupMetadataKeyVersion);
                writer.WriteString(group.GroupId, false);
                break;
            default:
                return ConsumerGroupRecordSerde.TryEncodeKey(record) ?? throw new ArgumentException($"unknown record type {record.GetType().Name}", nameof(record));
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The value bytes, or null for a tombstone.</summary>
    public static byte[]? EncodeValue(CoordinatorRecord record)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        var writer = new ProtocolWriter(buffer);
        switch (record)
        {
            case OffsetCommitRecord { Value: null }:
            case GroupMetadataRecord { Value: null }:
                return null;
            case OffsetCommitRecord { Value: { } value }:
                writer.WriteInt16(OffsetCommitValueVersion);
                writer.WriteInt64(value.Offset);
                writer.WriteInt32(value.LeaderEpoch);
                writer.WriteString(value.Metadata, false);
                writer.WriteInt64(value.CommitTimestamp);
                break;
            case GroupMetadataRecord { Value: { } value }:
                writer.WriteInt16(GroupMetadataValueVersion);
                writer.WriteString(value.ProtocolType, false);
                writer.WriteInt32(value.Generation);
                writer.WriteString(value.Protocol, false);
                writer.WriteString(value.Leader, false);
                writer.WriteInt64(value.CurrentStateTimestamp);
                writer.WriteArrayLength(value.Members.Count, false);
                foreach (var member in value.Members)
                {
                    writer.WriteString(member.MemberId, false);
                    writer.WriteString(member.GroupInstanceId, false);
                    writer.WriteString(member.ClientId, false);
                    writer.WriteString(member.ClientHost, false);
                    writer.WriteInt32(member.RebalanceTimeoutMs);
                    writer.WriteInt32(member.SessionTimeoutMs);
                    writer.WriteBytes(member.Subscription, false);
                    writer.WriteBytes(member.Assignment, false);
                }

                break;
            default:
                var consumerGroupValue = ConsumerGroupRecordSerde.TryEncodeValue(record, out var handled);
                return handled ? consumerGroupValue : throw new ArgumentException($"unknown record type {record.GetType().Name}", nameof(record));
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Decodes one record. Returns null for key versions this coordinator does not own (share-group
    /// records, KIP-848's key 4), which loading skips. Throws <see cref="ProtocolException"/> for bytes that
    /// do not parse, or an unknown value version.
    /// </summary>
    public static CoordinatorRecord? Decode(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool valueIsNull)
    {
        var keyReader = new ProtocolReader(new ReadOnlySequence<byte>(key.ToArray()));
        var keyVersion = keyReader.ReadInt16();
        switch (keyVersion)
        {
            case 0:
            case 1:
                {
                    var group = keyReader.ReadString(false) ?? throw new ProtocolException("offset commit key has a null group");
                    var topic = keyReader.ReadString(false) ?? throw new ProtocolException("offset commit key has a null topic");
                    var partition = keyReader.ReadInt32();
                    return new OffsetCommitRecord(group, topic, partition, valueIsNull ? null : DecodeOffsetCommitValue(value));
                }

            case 2:
                {
                    var group = keyReader.ReadString(false) ?? throw new ProtocolException("group metadata key has a null group");
                    return new GroupMetadataRecord(group, valueIsNull ? null : DecodeGroupMetadataValue(value));
                }

            default:
                return ConsumerGroupRecordSerde.TryDecode(keyVersion, ref keyReader, value, valueIsNull);
        }
    }

    private static OffsetCommitValue DecodeOffsetCommitValue(ReadOnlySpan<byte> bytes)
    {
        var reader = new ProtocolReader(new ReadOnlySequence<byte>(bytes.ToArray()));
        var version = reader.ReadInt16();
        if (version is < 0 or > 4)
        {
            throw new ProtocolException($"unknown offset commit value version {version}");
        }

        var flexible = version >= 4;
        var offset = reader.ReadInt64();
        var leaderEpoch = version >= 3 ? reader.ReadInt32() : -1;
        var metadata = reader.ReadString(flexible) ?? throw new ProtocolException("offset commit value has null metadata");
        var commitTimestamp = reader.ReadInt64();
        var expireTimestamp = version == 1 ? reader.ReadInt64() : -1;
        if (flexible)
        {
            reader.SkipTaggedFields();
        }

        return new OffsetCommitValue(offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp);
    }

    private static GroupMetadataValue DecodeGroupMetadataValue(ReadOnlySpan<byte> bytes)
    {
        var reader = new ProtocolReader(new ReadOnlySequence<byte>(bytes.ToArray()));
        var version = reader.ReadInt16();
        if (version is < 0 or > 4)
        {
            throw new ProtocolException($"unknown group metadata value version {version}");
        }

        var flexible = version >= 4;
        var protocolType = reader.ReadString(flexible) ?? throw new ProtocolException("group metadata value has a null protocol type");
        var generation = reader.ReadInt32();
        var protocol = reader.ReadString(flexible);
        var leader = reader.ReadString(flexible);
        var currentStateTimestamp = version >= 2 ? reader.ReadInt64() : -1;
        var count = reader.ReadArrayLength(flexible);
        var members = new List<GroupMemberMetadata>(Math.Max(count, 0));
        for (var i = 0; i < count; i++)
        {
            var memberId = reader.ReadString(flexible) ?? throw new ProtocolException("group member has a null member id");
            var instanceId = version >= 3 ? reader.ReadString(flexible) : null;
            var clientId = reader.ReadString(flexible) ?? "";
            var clientHost = reader.ReadString(flexible) ?? "";
            var sessionTimeout = 0;
            var rebalanceTimeout = version >= 1 ? reader.ReadInt32() : -1;
            sessionTimeout = reader.ReadInt32();
            if (rebalanceTimeout < 0)
            {
                // Version 0 had no rebalance timeout; Kafka used the session timeout in its place.
                rebalanceTimeout = sessionTimeout;
            }

            var subscription = reader.ReadBytes(flexible) ?? [];
            var assignment = reader.ReadBytes(flexible) ?? [];
            if (flexible)
            {
                reader.SkipTaggedFields();
            }

            members.Add(new GroupMemberMetadata(memberId, instanceId, clientId, clientHost, rebalanceTimeout, sessionTimeout, subscription, assignment));
        }

        if (flexible)
        {
            reader.SkipTaggedFields();
        }

        return new GroupMetadataValue(protocolType, generation, protocol, leader, currentStateTimestamp, members);
    }
}
