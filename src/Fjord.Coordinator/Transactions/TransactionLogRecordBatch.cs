using Fjord.Protocol.Records;

namespace Fjord.Coordinator.Transactions;

/// <summary>
/// Turns <c>__transaction_state</c> records into one uncompressed magic-2 record batch and back (Kafka
/// enforces compression none on this topic). Cold path; thread-safe: static, no state.
/// </summary>
public static class TransactionLogRecordBatch
{
    /// <summary>One batch holding <paramref name="records"/> in order, values in <paramref name="valueVersion"/>.</summary>
    public static byte[] Encode(IReadOnlyList<TransactionLogRecord> records, short valueVersion, long timestampMs)
    {
        ArgumentOutOfRangeException.ThrowIfZero(records.Count);
        using var builder = new RecordBatchBuilder(CompressionType.None, 256);
        foreach (var record in records)
        {
            builder.Append(timestampMs, TransactionLogSerde.EncodeKey(record.TransactionalId), TransactionLogSerde.EncodeValue(record.Value, valueVersion));
        }

        return builder.ToArray();
    }

    /// <summary>
    /// Decodes every record of the batches laid back to back in <paramref name="batches"/>, in order.
    /// Control batches, key-less records and unknown key versions are skipped. Returns the offset after
    /// the last whole batch, or -1 when there was none.
    /// </summary>
    public static long DecodeAll(ReadOnlySpan<byte> batches, Action<TransactionLogRecord> onRecord)
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

            if (!header.IsControl)
            {
                using var reader = new RecordReader(batches.Slice(position, header.TotalSize));
                while (reader.TryReadNext(out var record))
                {
                    if (!record.IsKeyNull && TransactionLogSerde.Decode(record.Key, record.Value, record.IsValueNull) is { } decoded)
                    {
                        onRecord(decoded);
                    }
                }
            }

            next = header.NextOffset;
            position += header.TotalSize;
        }

        return next;
    }
}
