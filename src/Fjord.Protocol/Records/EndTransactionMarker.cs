using System.Buffers.Binary;

namespace Fjord.Protocol.Records;

/// <summary>
/// A transaction marker: the one control record of a COMMIT or ABORT control batch (Kafka's
/// <c>EndTransactionMarker</c>). Key: int16 version 0, int16 type; value: int16 version 0, int32
/// coordinator epoch. Immutable.
/// </summary>
public readonly record struct EndTransactionMarker(ControlRecordType Type, int CoordinatorEpoch)
{
    /// <summary>
    /// Reads the marker of a control batch (uncompressed, as Kafka writes markers) without allocating.
    /// False for a control batch without records (the cleaner emptied it), a control record of another
    /// type (leader change, snapshot), or bytes that do not decode.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> batch, out EndTransactionMarker marker)
    {
        marker = default;
        if (batch.Length <= RecordBatchHeader.RecordsOffset)
            return false;
        var header = RecordBatchHeader.Read(batch);
        if (!header.IsControl || header.RecordCount < 1 || header.Compression != CompressionType.None)
            return false;
        var span = batch[RecordBatchHeader.RecordsOffset..Math.Min(batch.Length, header.TotalSize)];
        // length, attributes, timestamp delta, offset delta, key length, key, value length, value
        if (!ZigZagVarint.TryReadInt32(span, out int length, out int n) || length <= 0 || length > span.Length - n)
            return false;
        span = span.Slice(n, length)[1..];
        if (!ZigZagVarint.TryReadInt64(span, out _, out n))
            return false;
        span = span[n..];
        if (!ZigZagVarint.TryReadInt32(span, out _, out n))
            return false;
        span = span[n..];
        if (!ZigZagVarint.TryReadInt32(span, out int keyLength, out n) || keyLength < 4 || keyLength > span.Length - n)
            return false;
        var key = span.Slice(n, keyLength);
        span = span[(n + keyLength)..];
        short type = BinaryPrimitives.ReadInt16BigEndian(key[2..]);
        if (type is not ((short)ControlRecordType.Abort or (short)ControlRecordType.Commit))
            return false;
        if (!ZigZagVarint.TryReadInt32(span, out int valueLength, out n) || valueLength < 6 || valueLength > span.Length - n)
            return false;
        int coordinatorEpoch = BinaryPrimitives.ReadInt32BigEndian(span[(n + 2)..]);
        marker = new EndTransactionMarker((ControlRecordType)type, coordinatorEpoch);
        return true;
    }

    /// <summary>
    /// A complete control batch holding this marker (Kafka's <c>MemoryRecords.withEndTransactionMarker</c>):
    /// attributes transactional + control, no sequence, base offset 0 (the log assigns it).
    /// </summary>
    public byte[] ToBatch(long producerId, short producerEpoch, long timestamp)
    {
        using var builder = new RecordBatchBuilder(CompressionType.None, 128)
        {
            ProducerId = producerId,
            ProducerEpoch = producerEpoch,
            IsTransactional = true,
            IsControl = true,
        };
        builder.AppendEndTransactionMarker(timestamp, Type, CoordinatorEpoch);
        return builder.ToArray();
    }
}
