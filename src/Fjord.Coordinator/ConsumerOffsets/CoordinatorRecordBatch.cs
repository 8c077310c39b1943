using System.Buffers.Binary;
using Fjord.Protocol.Records;

namespace Fjord.Coordinator.ConsumerOffsets;

/// <summary>
/// Turns coordinator records into one magic-2 record batch for <c>__consumer_offsets</c> and back.
/// Cold path (one batch per command); thread-safe: static, no state.
/// </summary>
public static class CoordinatorRecordBatch
{
    /// <summary>
    /// One uncompressed batch holding <paramref name="records"/> in order; with <paramref name="transaction"/>
    /// a transactional batch of that producer (TxnOffsetCommit), whose records stay pending until its marker.
    /// </summary>
    public static byte[] Encode(IReadOnlyList<CoordinatorRecord> records, long timestampMs, TransactionalProducer? transaction = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(records.Count);
        using var builder = new RecordBatchBuilder(CompressionType.None, 256);
        if (transaction is { } producer)
        {
            // No sequence number: the log then checks only the producer epoch (fencing zombies), as Kafka's
            // coordinator-origin appends skip sequence validation; a client's sequences do not cover these batches.
            builder.ProducerId = producer.ProducerId;
            builder.ProducerEpoch = producer.ProducerEpoch;
            builder.IsTransactional = true;
        }

        foreach (var record in records)
        {
            builder.Append(timestampMs, CoordinatorRecordSerde.EncodeKey(record), CoordinatorRecordSerde.EncodeValue(record));
        }

        return builder.ToArray();
    }

    /// <summary>
    /// Decodes every record of the batches laid back to back in <paramref name="batches"/>, calling
    /// <paramref name="onRecord"/> with each record and its offset. Control batches and records of key
    /// types this coordinator does not own are skipped. Returns the offset after the last batch, or -1
    /// when there was no whole batch.
    /// </summary>
    public static long DecodeAll(ReadOnlySpan<byte> batches, Action<CoordinatorRecord, long> onRecord) =>
        DecodeAll(batches, (record, offset, _) => onRecord(record, offset), null);

    /// <summary>
    /// Decodes the batches laid back to back in <paramref name="batches"/> for loading: <paramref name="onRecord"/>
    /// gets each record, its offset and the producer id of its batch when the batch is transactional (else
    /// <see cref="RecordBatchHeader.NoProducerId"/>); <paramref name="onTransactionMarker"/> gets each commit or
    /// abort marker of a control batch (producer id, true for commit). Records of key types this coordinator does
    /// not own are skipped. Returns the offset after the last batch, or -1 when there was no whole batch.
    /// </summary>
    public static long DecodeAll(ReadOnlySpan<byte> batches, Action<CoordinatorRecord, long, long> onRecord, Action<long, bool>? onTransactionMarker)
    {
        long next = -1;
        var position = 0;
        while (batches.Length - position >= RecordBatchHeader.HeaderSize)
        {
            var header = RecordBatchHeader.Read(batches[position..]);
            if (header.TotalSize > batches.Length - position)
            {
                break;
            }

            using var reader = new RecordReader(batches.Slice(position, header.TotalSize));
            if (header.IsControl)
            {
                while (reader.TryReadNext(out var record))
                {
                    if (TransactionMarkerType(record) is { } type)
                    {
                        onTransactionMarker?.Invoke(header.ProducerId, type == ControlRecordType.Commit);
                    }
                }
            }
            else
            {
                var producerId = header.IsTransactional ? header.ProducerId : RecordBatchHeader.NoProducerId;
                while (reader.TryReadNext(out var record))
                {
                    if (record.IsKeyNull)
                    {
                        continue;
                    }

                    if (CoordinatorRecordSerde.Decode(record.Key, record.Value, record.IsValueNull) is { } decoded)
                    {
                        onRecord(decoded, record.Offset, producerId);
                    }
                }
            }

            next = header.NextOffset;
            position += header.TotalSize;
        }

        return next;
    }

    /// <summary>The type of a commit or abort marker (control key: version int16, type int16); null for other control records.</summary>
    private static ControlRecordType? TransactionMarkerType(in Record record)
    {
        if (record.IsKeyNull || record.Key.Length < 4)
        {
            return null;
        }

        var type = (ControlRecordType)BinaryPrimitives.ReadInt16BigEndian(record.Key[2..]);
        return type is ControlRecordType.Commit or ControlRecordType.Abort ? type : null;
    }
}
