using Fjord.Protocol.Records;

namespace Fjord.Storage.Segments;

/// <summary>
/// Finds the first record of one batch at or after a timestamp, decompressing when the batch is
/// compressed. Used only by ListOffsets-by-timestamp, a cold path. Stateless; safe from any thread.
/// </summary>
internal static class RecordTimestamps
{
    public static bool TryFindFirstAtOrAfter(ReadOnlySpan<byte> batch, in RecordBatchHeader header, long timestamp, long minOffset, out long offset, out long recordTimestamp)
    {
        offset = -1;
        recordTimestamp = -1;
        if (batch.Length < header.TotalSize)
            return false;
        try
        {
            using var reader = new RecordReader(batch[..header.TotalSize]);
            while (reader.TryReadNext(out var record))
            {
                if (record.Timestamp >= timestamp && record.Offset >= minOffset)
                {
                    offset = record.Offset;
                    recordTimestamp = record.Timestamp;
                    return true;
                }
            }
        }
        catch (RecordBatchException)
        {
            // A batch that does not decode falls back to its first offset, as for LogAppendTime.
        }

        return false;
    }
}
