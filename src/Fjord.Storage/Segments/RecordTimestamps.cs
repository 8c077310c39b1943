using Fjord.Protocol.Records;

namespace Fjord.Storage.Segments;

/// <summary>
/// Walks the records of one uncompressed magic-2 batch just far enough to read each record's
/// timestamp and offset delta (length varint, attributes, timestamp-delta varlong, offset-delta
/// varint; the rest is skipped by length). Used only by ListOffsets-by-timestamp, a cold path.
/// Stateless; safe from any thread.
/// </summary>
internal static class RecordTimestamps
{
    public static bool TryFindFirstAtOrAfter(ReadOnlySpan<byte> batch, in RecordBatchHeader header, long timestamp, long minOffset, out long offset, out long recordTimestamp)
    {
        offset = -1;
        recordTimestamp = -1;
        if (batch.Length < header.TotalSize)
            return false;
        var records = batch[RecordBatchHeader.RecordsOffset..header.TotalSize];
        for (int i = 0; i < header.RecordCount && records.Length > 0; i++)
        {
            if (!TryReadVarLong(records, out long length, out int n) || length < 0 || n + length > records.Length)
                return false;
            var record = records.Slice(n, (int)length);
            records = records[(n + (int)length)..];
            if (record.Length < 1)
                return false;
            var body = record[1..]; // attributes (unused)
            if (!TryReadVarLong(body, out long timestampDelta, out int m))
                return false;
            body = body[m..];
            if (!TryReadVarLong(body, out long offsetDelta, out _))
                return false;
            long ts = header.BaseTimestamp + timestampDelta;
            long recordOffset = header.BaseOffset + offsetDelta;
            if (ts >= timestamp && recordOffset >= minOffset)
            {
                offset = recordOffset;
                recordTimestamp = ts;
                return true;
            }
        }
        return false;
    }

    // Zig-zag varint as in Kafka's ByteUtils.readVarlong (records use signed zig-zag encoding).
    private static bool TryReadVarLong(ReadOnlySpan<byte> source, out long value, out int bytesRead)
    {
        ulong raw = 0;
        for (int i = 0; i < 10 && i < source.Length; i++)
        {
            byte b = source[i];
            raw |= (ulong)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                value = (long)(raw >> 1) ^ -(long)(raw & 1);
                bytesRead = i + 1;
                return true;
            }
        }
        value = 0;
        bytesRead = 0;
        return false;
    }
}
