using Fjord.Protocol.Records;

namespace Fjord.Coordinator.ConsumerOffsets;

/// <summary>
/// Turns coordinator records into one magic-2 record batch for <c>__consumer_offsets</c> and back.
/// Cold path (one batch per command); thread-safe: static, no state.
/// </summary>
public static class CoordinatorRecordBatch
{
    /// <summary>One uncompressed batch holding <paramref name="records"/> in order.</summary>
    public static byte[] Encode(IReadOnlyList<CoordinatorRecord> records, long timestampMs)
    {
        ArgumentOutOfRangeException.ThrowIfZero(records.Count);
        using var builder = new RecordBatchBuilder(CompressionType.None, 256);
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
    public static long DecodeAll(ReadOnlySpan<byte> batches, Action<CoordinatorRecord, long> onRecord)
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
                    if (record.IsKeyNull)
                    {
                        continue;
                    }

                    if (CoordinatorRecordSerde.Decode(record.Key, record.Value, record.IsValueNull) is { } decoded)
                    {
                        onRecord(decoded, record.Offset);
                    }
                }
            }

            next = header.NextOffset;
            position += header.TotalSize;
        }

        return next;
    }
}
