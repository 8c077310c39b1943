using System.Buffers;
using Fjord.Protocol;

namespace Fjord.Coordinator.Transactions;

/// <summary>
/// Kafka's byte layouts of <c>__transaction_state</c> records, written by hand from the schemas
/// (transaction-coordinator's TransactionLogKey.json and TransactionLogValue.json). Key and value start
/// with an int16 version:
/// <list type="bullet">
/// <item>key v0: transactional_id (int16-length string);</item>
/// <item>value v0: producer_id, producer_epoch, transaction_timeout_ms, transaction_status (int8),
/// transaction_partitions (nullable array of topic + []int32), transaction_last_update_timestamp_ms,
/// transaction_start_timestamp_ms;</item>
/// <item>value v1: the same fields in the flexible encoding (compact strings and arrays, tagged-field
/// sections after each partition entry and after the value) plus tagged fields 0 previous_producer_id,
/// 1 next_producer_id (both written when not -1) and 2 client_transaction_version (when not 0).</item>
/// </list>
/// Kafka writes v0 while transaction.version is 0 and v1 from 1 on; an Empty transaction stores a
/// null partition array. Unknown tagged fields are skipped. Thread-safe: static, no state.
/// </summary>
public static class TransactionLogSerde
{
    public const short KeyVersion = 0;
    public const short HighestValueVersion = 1;

    private const int PreviousProducerIdTag = 0;
    private const int NextProducerIdTag = 1;
    private const int ClientTransactionVersionTag = 2;

    public static byte[] EncodeKey(string transactionalId)
    {
        var buffer = new ArrayBufferWriter<byte>(32 + transactionalId.Length);
        var writer = new ProtocolWriter(buffer);
        writer.WriteInt16(KeyVersion);
        writer.WriteString(transactionalId, false);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The value bytes in <paramref name="version"/> (0 or 1), or null for a tombstone.</summary>
    public static byte[]? EncodeValue(TransactionLogValue? value, short version)
    {
        if (value is null)
        {
            return null;
        }

        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, HighestValueVersion);
        var flexible = version >= 1;
        var buffer = new ArrayBufferWriter<byte>(64);
        var writer = new ProtocolWriter(buffer);
        writer.WriteInt16(version);
        writer.WriteInt64(value.ProducerId);
        writer.WriteInt16(value.ProducerEpoch);
        writer.WriteInt32(value.TransactionTimeoutMs);
        writer.WriteInt8((sbyte)value.State);
        if (value.State == TransactionState.Empty)
        {
            // Kafka stores no partition list for an Empty transaction.
            writer.WriteArrayLength(-1, flexible);
        }
        else
        {
            var topics = GroupByTopic(value.Partitions);
            writer.WriteArrayLength(topics.Count, flexible);
            foreach (var (topic, partitions) in topics)
            {
                writer.WriteString(topic, flexible);
                writer.WriteArrayLength(partitions.Count, flexible);
                foreach (var partition in partitions)
                {
                    writer.WriteInt32(partition);
                }

                if (flexible)
                {
                    writer.WriteEmptyTaggedFields();
                }
            }
        }

        writer.WriteInt64(value.LastUpdateTimestampMs);
        writer.WriteInt64(value.StartTimestampMs);
        if (flexible)
        {
            WriteTaggedFields(ref writer, value);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Decodes one record. Returns null for a key version this coordinator does not know (skipped when
    /// loading, as Kafka does). Throws <see cref="ProtocolException"/> for bytes that do not parse or an
    /// unknown value version.
    /// </summary>
    public static TransactionLogRecord? Decode(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool valueIsNull)
    {
        var keyReader = new ProtocolReader(new ReadOnlySequence<byte>(key.ToArray()));
        if (keyReader.ReadInt16() != KeyVersion)
        {
            return null;
        }

        var transactionalId = keyReader.ReadString(false) ?? throw new ProtocolException("transaction log key has a null transactional id");
        return new TransactionLogRecord(transactionalId, valueIsNull ? null : DecodeValue(value));
    }

    /// <summary>Decodes a value (without <see cref="TransactionLogValue.LastProducerEpoch"/>, which is not stored).</summary>
    public static TransactionLogValue DecodeValue(ReadOnlySpan<byte> bytes)
    {
        var reader = new ProtocolReader(new ReadOnlySequence<byte>(bytes.ToArray()));
        var version = reader.ReadInt16();
        if (version is < 0 or > HighestValueVersion)
        {
            throw new ProtocolException($"unknown transaction log value version {version}");
        }

        var flexible = version >= 1;
        var producerId = reader.ReadInt64();
        var producerEpoch = reader.ReadInt16();
        var timeoutMs = reader.ReadInt32();
        var status = reader.ReadInt8();
        if (status is < 0 or > (sbyte)TransactionState.PrepareEpochFence)
        {
            throw new ProtocolException($"unknown transaction status {status}");
        }

        var state = (TransactionState)status;
        var partitions = new List<TransactionPartition>();
        var topicCount = reader.ReadArrayLength(flexible);
        for (var i = 0; i < topicCount; i++)
        {
            var topic = reader.ReadString(flexible) ?? throw new ProtocolException("transaction log value has a null topic");
            var count = reader.ReadArrayLength(flexible);
            for (var j = 0; j < count; j++)
            {
                partitions.Add(new TransactionPartition(topic, reader.ReadInt32()));
            }

            if (flexible)
            {
                reader.SkipTaggedFields();
            }
        }

        var lastUpdate = reader.ReadInt64();
        var start = reader.ReadInt64();
        long previousProducerId = -1, nextProducerId = -1;
        short clientTransactionVersion = 0;
        if (flexible)
        {
            var tagged = reader.ReadTaggedFieldCount();
            for (var i = 0; i < tagged; i++)
            {
                reader.ReadTaggedFieldHeader(out var tag, out var size);
                var fieldStart = reader.Consumed;
                switch (tag)
                {
                    case PreviousProducerIdTag:
                        previousProducerId = reader.ReadInt64();
                        break;
                    case NextProducerIdTag:
                        nextProducerId = reader.ReadInt64();
                        break;
                    case ClientTransactionVersionTag:
                        clientTransactionVersion = reader.ReadInt16();
                        break;
                    default:
                        reader.Skip(size);
                        continue;
                }

                reader.EndTaggedField(tag, fieldStart, size);
            }
        }

        // Kafka ignores whatever partitions an Empty value carries.
        partitions.Sort();
        return new TransactionLogValue
        {
            ProducerId = producerId,
            PreviousProducerId = previousProducerId,
            NextProducerId = nextProducerId,
            ProducerEpoch = producerEpoch,
            TransactionTimeoutMs = timeoutMs,
            State = state,
            Partitions = state == TransactionState.Empty ? [] : partitions.Distinct().ToList(),
            LastUpdateTimestampMs = lastUpdate,
            StartTimestampMs = start,
            ClientTransactionVersion = clientTransactionVersion,
        };
    }

    private static void WriteTaggedFields(ref ProtocolWriter writer, TransactionLogValue value)
    {
        var count = (value.PreviousProducerId != -1 ? 1 : 0) + (value.NextProducerId != -1 ? 1 : 0) + (value.ClientTransactionVersion != 0 ? 1 : 0);
        writer.WriteUnsignedVarInt((uint)count);
        if (value.PreviousProducerId != -1)
        {
            writer.WriteUnsignedVarInt(PreviousProducerIdTag);
            writer.WriteUnsignedVarInt(8);
            writer.WriteInt64(value.PreviousProducerId);
        }

        if (value.NextProducerId != -1)
        {
            writer.WriteUnsignedVarInt(NextProducerIdTag);
            writer.WriteUnsignedVarInt(8);
            writer.WriteInt64(value.NextProducerId);
        }

        if (value.ClientTransactionVersion != 0)
        {
            writer.WriteUnsignedVarInt(ClientTransactionVersionTag);
            writer.WriteUnsignedVarInt(2);
            writer.WriteInt16(value.ClientTransactionVersion);
        }
    }

    private static List<(string Topic, List<int> Partitions)> GroupByTopic(IReadOnlyList<TransactionPartition> partitions)
    {
        var topics = new List<(string Topic, List<int> Partitions)>();
        foreach (var partition in partitions)
        {
            if (topics.Count == 0 || topics[^1].Topic != partition.Topic)
            {
                topics.Add((partition.Topic, []));
            }

            topics[^1].Partitions.Add(partition.Partition);
        }

        return topics;
    }
}
