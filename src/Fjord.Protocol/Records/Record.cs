using System.Text;

namespace Fjord.Protocol.Records;

/// <summary>
/// A zero-copy view of one record of a magic-2 batch (CLIENTS.md §6.7): length, attributes,
/// timestampDelta, offsetDelta, key, value and headers, all varints zig-zag encoded. Produced by
/// <see cref="RecordReader"/>, which also resolves the absolute <see cref="Offset"/> and
/// <see cref="Timestamp"/> from the batch header. Null keys/values (length −1) are told apart from
/// empty ones by <see cref="IsKeyNull"/> / <see cref="IsValueNull"/>.
/// Immutable; a ref struct valid only while the batch bytes (or the reader's decompressed buffer) live.
/// </summary>
public readonly ref struct Record
{
    // attributes (1) + timestampDelta, offsetDelta, keyLength, valueLength, headerCount (1 each).
    internal const int MinBodySize = 6;

    private readonly ReadOnlySpan<byte> _headers;

    private Record(
        int sizeInBytes,
        byte attributes,
        long timestampDelta,
        int offsetDelta,
        long offset,
        long timestamp,
        ReadOnlySpan<byte> key,
        bool isKeyNull,
        ReadOnlySpan<byte> value,
        bool isValueNull,
        ReadOnlySpan<byte> headers,
        int headerCount)
    {
        SizeInBytes = sizeInBytes;
        Attributes = attributes;
        TimestampDelta = timestampDelta;
        OffsetDelta = offsetDelta;
        Offset = offset;
        Timestamp = timestamp;
        Key = key;
        IsKeyNull = isKeyNull;
        Value = value;
        IsValueNull = isValueNull;
        _headers = headers;
        HeaderCount = headerCount;
    }

    /// <summary>Bytes the record occupies in the (uncompressed) records section, length prefix included.</summary>
    public int SizeInBytes { get; }

    /// <summary>Record attributes; unused by Kafka so far, always 0 from real clients.</summary>
    public byte Attributes { get; }

    public long TimestampDelta { get; }

    public int OffsetDelta { get; }

    /// <summary>BaseOffset + OffsetDelta.</summary>
    public long Offset { get; }

    /// <summary>
    /// BaseTimestamp + TimestampDelta, or the batch's MaxTimestamp for LogAppendTime batches
    /// (KIP-32: the broker's stamp replaces every record's own time).
    /// </summary>
    public long Timestamp { get; }

    /// <summary>The key bytes; empty when <see cref="IsKeyNull"/>.</summary>
    public ReadOnlySpan<byte> Key { get; }

    public bool IsKeyNull { get; }

    /// <summary>The value bytes; empty when <see cref="IsValueNull"/> (a tombstone on compacted topics).</summary>
    public ReadOnlySpan<byte> Value { get; }

    public bool IsValueNull { get; }

    public int HeaderCount { get; }

    /// <summary>Allocation-free enumeration of the headers.</summary>
    public RecordHeaderEnumerator Headers => new(_headers, HeaderCount);

    /// <summary>The key copied to an array, or null for a null key (allocates).</summary>
    public byte[]? KeyToArray() => IsKeyNull ? null : Key.ToArray();

    /// <summary>The value copied to an array, or null for a null value (allocates).</summary>
    public byte[]? ValueToArray() => IsValueNull ? null : Value.ToArray();

    /// <summary>The headers copied out of the batch (allocates; for cold paths and tests).</summary>
    public RecordHeader[] GetHeaders()
    {
        if (HeaderCount == 0)
        {
            return [];
        }

        var headers = new RecordHeader[HeaderCount];
        int i = 0;
        foreach (RecordHeaderView header in Headers)
        {
            headers[i++] = header.ToRecordHeader();
        }

        return headers;
    }

    /// <summary>
    /// Parses one record from the start of <paramref name="source"/>. Returns null on success, else a
    /// constant message saying what is malformed (Kafka answers INVALID_RECORD for these).
    /// Allocation-free on both paths.
    /// </summary>
    internal static string? TryParse(
        ReadOnlySpan<byte> source,
        scoped in RecordBatchHeader batch,
        out Record record,
        out int bytesConsumed)
    {
        record = default;
        bytesConsumed = 0;
        if (!ZigZagVarint.TryReadInt32(source, out int length, out int prefix))
        {
            return "Truncated or invalid record length varint.";
        }

        if (length < MinBodySize)
        {
            return "Record length is smaller than the minimum record size.";
        }

        if (length > source.Length - prefix)
        {
            return "Record length exceeds the bytes left in the batch.";
        }

        ReadOnlySpan<byte> body = source.Slice(prefix, length);
        byte attributes = body[0];
        int position = 1;

        if (!ZigZagVarint.TryReadInt64(body[position..], out long timestampDelta, out int read))
        {
            return "Invalid record timestampDelta varint.";
        }

        position += read;
        if (!ZigZagVarint.TryReadInt32(body[position..], out int offsetDelta, out read))
        {
            return "Invalid record offsetDelta varint.";
        }

        position += read;
        if (!TryReadBytes(body, ref position, out ReadOnlySpan<byte> key, out bool isKeyNull))
        {
            return "Invalid record key length.";
        }

        if (!TryReadBytes(body, ref position, out ReadOnlySpan<byte> value, out bool isValueNull))
        {
            return "Invalid record value length.";
        }

        if (!ZigZagVarint.TryReadInt32(body[position..], out int headerCount, out read) || headerCount < 0)
        {
            return "Invalid record header count.";
        }

        position += read;
        ReadOnlySpan<byte> headers = body[position..];
        ReadOnlySpan<byte> cursor = headers;
        for (int i = 0; i < headerCount; i++)
        {
            if (!TryReadHeader(ref cursor, out _))
            {
                return "Invalid record header.";
            }
        }

        if (!cursor.IsEmpty)
        {
            // Kafka: "Invalid record size: expected to read N bytes in record payload, but instead read M".
            return "Record length does not match the bytes its fields use.";
        }

        headers = headers[..(headers.Length - cursor.Length)];
        long timestamp = batch.TimestampType == TimestampType.LogAppendTime
            ? batch.MaxTimestamp
            : batch.BaseTimestamp + timestampDelta;
        record = new Record(
            prefix + length,
            attributes,
            timestampDelta,
            offsetDelta,
            batch.BaseOffset + offsetDelta,
            timestamp,
            key,
            isKeyNull,
            value,
            isValueNull,
            headers,
            headerCount);
        bytesConsumed = prefix + length;
        return null;
    }

    /// <summary>Reads one header (key length ≥ 0, value length ≥ −1) and advances past it.</summary>
    internal static bool TryReadHeader(scoped ref ReadOnlySpan<byte> source, out RecordHeaderView header)
    {
        header = default;
        int position = 0;
        if (!TryReadBytes(source, ref position, out ReadOnlySpan<byte> key, out bool isKeyNull) || isKeyNull)
        {
            // Kafka: "Invalid negative header key size".
            return false;
        }

        if (!TryReadBytes(source, ref position, out ReadOnlySpan<byte> value, out bool isValueNull))
        {
            return false;
        }

        header = new RecordHeaderView(key, value, isValueNull);
        source = source[position..];
        return true;
    }

    /// <summary>Computes the encoded size of a record body (without its length prefix).</summary>
    internal static int BodySize(
        long timestampDelta,
        int offsetDelta,
        int keyLength,
        int valueLength,
        IReadOnlyList<RecordHeader>? headers)
    {
        int size = 1
            + ZigZagVarint.SizeOfInt64(timestampDelta)
            + ZigZagVarint.SizeOfInt32(offsetDelta)
            + ZigZagVarint.SizeOfInt32(keyLength) + Math.Max(keyLength, 0)
            + ZigZagVarint.SizeOfInt32(valueLength) + Math.Max(valueLength, 0);
        int headerCount = headers?.Count ?? 0;
        size += ZigZagVarint.SizeOfInt32(headerCount);
        for (int i = 0; i < headerCount; i++)
        {
            RecordHeader header = headers![i];
            int headerKeyLength = Encoding.UTF8.GetByteCount(header.Key);
            int headerValueLength = header.Value?.Length ?? -1;
            size += ZigZagVarint.SizeOfInt32(headerKeyLength) + headerKeyLength
                + ZigZagVarint.SizeOfInt32(headerValueLength) + Math.Max(headerValueLength, 0);
        }

        return size;
    }

    // Reads a varint length (−1 = null) and that many bytes.
    private static bool TryReadBytes(ReadOnlySpan<byte> source, scoped ref int position, out ReadOnlySpan<byte> bytes, out bool isNull)
    {
        bytes = default;
        isNull = false;
        if (!ZigZagVarint.TryReadInt32(source[position..], out int length, out int read))
        {
            return false;
        }

        position += read;
        if (length == -1)
        {
            isNull = true;
            return true;
        }

        if (length < 0 || length > source.Length - position)
        {
            return false;
        }

        bytes = source.Slice(position, length);
        position += length;
        return true;
    }
}
