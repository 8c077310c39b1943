using Fjord.Protocol.Errors;
using Fjord.Protocol.Records;

namespace Fjord.Storage;

/// <summary>
/// The record-level checks a leader makes before it appends a producer's batch (Kafka's LogValidator.validateRecord):
/// a compacted topic refuses records without a key (INVALID_RECORD), and with CreateTime a record whose timestamp is
/// more than <c>message.timestamp.before.max.ms</c> behind or <c>message.timestamp.after.max.ms</c> ahead of the
/// broker's clock is refused (INVALID_TIMESTAMP, KIP-937). Every bad record is listed (KIP-467) and the whole batch is
/// refused, as Kafka does. Records are decoded only when one of these rules is in force, so the default produce path
/// stays header-only. Stateless; safe from any thread.
/// </summary>
internal static class LeaderRecordValidator
{
    /// <summary>Kafka's RecordBatch.NO_TIMESTAMP: a record without a timestamp is never out of range.</summary>
    private const long NoTimestamp = -1;

    /// <summary>
    /// True when <paramref name="config"/> asks for a record-level check this batch may fail. The after-bound alone
    /// (Kafka 4's default of one hour) is decided from the header: no record is later than the batch's max timestamp,
    /// so the common batch is never decoded.
    /// </summary>
    public static bool Applies(LogConfig config, in RecordBatchHeader header, long now) =>
        (config.CleanupPolicy & CleanupPolicy.Compact) != 0
        || (ChecksTimestamps(config) && (config.MessageTimestampBeforeMaxMs != long.MaxValue || header.MaxTimestamp > Saturating(now, config.MessageTimestampAfterMaxMs)));

    /// <summary>
    /// Checks every record of <paramref name="batch"/> (offsets already assigned). Returns null when all pass, else the
    /// refusal with its record errors.
    /// </summary>
    public static LogAppendResult? Validate(ReadOnlySpan<byte> batch, LogConfig config, long now, string partition, long logStartOffset)
    {
        bool compacted = (config.CleanupPolicy & CleanupPolicy.Compact) != 0;
        bool timestamps = ChecksTimestamps(config);
        List<RecordError>? errors = null;
        bool timestampError = false;
        try
        {
            using var reader = new RecordReader(batch);
            int index = 0;
            while (reader.TryReadNext(out var record))
            {
                if (compacted && record.IsKeyNull)
                {
                    (errors ??= []).Add(new(index, $"Compacted topic cannot accept message without key in topic partition {partition}."));
                }
                else if (timestamps && record.Timestamp != NoTimestamp && IsOutOfRange(record.Timestamp, now, config))
                {
                    timestampError = true;
                    (errors ??= []).Add(new(index, $"Timestamp {record.Timestamp} of message with offset {record.Offset} is out of range. " +
                        $"The timestamp should be within [{Saturating(now, -config.MessageTimestampBeforeMaxMs)}, {Saturating(now, config.MessageTimestampAfterMaxMs)}]"));
                }
                index++;
            }
        }
        catch (RecordBatchException e)
        {
            return LogAppendResult.Failed(ErrorCode.CorruptMessage, $"Record batch for {partition} does not decode: {e.Message}", logStartOffset);
        }

        if (errors is null)
            return null;
        // Kafka's processRecordErrors: any timestamp error makes the batch INVALID_TIMESTAMP.
        var message = timestampError
            ? "One or more records have been rejected due to invalid timestamp"
            : $"One or more records have been rejected due to {errors.Count} record errors in total, and only showing the first three errors at most: [{string.Join(", ", errors.Take(3))}]";
        return LogAppendResult.Failed(timestampError ? ErrorCode.InvalidTimestamp : ErrorCode.InvalidRecord, message, logStartOffset) with { RecordErrors = errors };
    }

    private static bool ChecksTimestamps(LogConfig config) =>
        config.MessageTimestampType == MessageTimestampType.CreateTime
        && (config.MessageTimestampBeforeMaxMs != long.MaxValue || config.MessageTimestampAfterMaxMs != long.MaxValue);

    private static bool IsOutOfRange(long timestamp, long now, LogConfig config)
    {
        // Int128: a producer may send any 64-bit timestamp, and now - timestamp must not wrap.
        Int128 behind = (Int128)now - timestamp;
        return behind > config.MessageTimestampBeforeMaxMs || -behind > config.MessageTimestampAfterMaxMs;
    }

    private static long Saturating(long now, long delta) => (long)Int128.Clamp((Int128)now + delta, long.MinValue, long.MaxValue);
}
