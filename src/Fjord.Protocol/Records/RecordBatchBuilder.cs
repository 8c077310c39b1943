using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Fjord.Protocol.Records;

/// <summary>
/// Builds one magic-2 record batch: append records, set the producer fields and flags, then
/// <see cref="WriteTo"/> an <see cref="IBufferWriter{T}"/> or <see cref="ToArray"/>. Records are
/// encoded as they are appended into a pooled buffer; compression and the CRC-32C happen once when
/// the batch is written. BaseTimestamp is the first record's timestamp, MaxTimestamp the largest,
/// offset deltas run 0..n−1 — the layout every Kafka producer writes.
/// Used by tests, the storage engine, the group coordinator (__consumer_offsets) and benchmarks.
/// Not thread-safe; one builder per writer. Reusable after <see cref="Reset"/>; dispose to return
/// the pooled buffer.
/// </summary>
public sealed class RecordBatchBuilder : IDisposable
{
    private readonly PooledBufferWriter _records;
    private int _count;
    private long _baseTimestamp;
    private long _maxTimestamp;
    private CompressionType _compression;

    public RecordBatchBuilder(CompressionType compression = CompressionType.None, int initialCapacity = 4096)
    {
        Compression = compression;
        _records = new PooledBufferWriter(initialCapacity);
    }

    public CompressionType Compression
    {
        get => _compression;
        set
        {
            if (!CompressionCodecs.IsKnown(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown compression codec.");
            }

            _compression = value;
        }
    }

    /// <summary>Offset of the first record; producers send 0 and the leader stamps the real one.</summary>
    public long BaseOffset { get; set; }

    public int PartitionLeaderEpoch { get; set; } = RecordBatchHeader.NoPartitionLeaderEpoch;

    public long ProducerId { get; set; } = RecordBatchHeader.NoProducerId;

    public short ProducerEpoch { get; set; } = RecordBatchHeader.NoProducerEpoch;

    public int BaseSequence { get; set; } = RecordBatchHeader.NoSequence;

    public bool IsTransactional { get; set; }

    /// <summary>Control batch (transaction markers); see <see cref="AppendEndTransactionMarker"/>.</summary>
    public bool IsControl { get; set; }

    public TimestampType TimestampType { get; set; } = TimestampType.CreateTime;

    /// <summary>Records appended since construction or the last <see cref="Reset"/>.</summary>
    public int Count => _count;

    /// <summary>Uncompressed size of the records section so far.</summary>
    public int UncompressedRecordsSize => _records.WrittenCount;

    /// <summary>Appends a record; null <paramref name="key"/> / <paramref name="value"/> are encoded as length −1.</summary>
    public void Append(long timestamp, byte[]? key, byte[]? value, IReadOnlyList<RecordHeader>? headers = null) =>
        Append(timestamp, key, key is null, value, value is null, headers);

    /// <summary>
    /// Appends a record from spans, the allocation-free form. The flags say whether key or value is
    /// null (length −1) rather than empty; a null one's span is ignored.
    /// </summary>
    public void Append(
        long timestamp,
        ReadOnlySpan<byte> key,
        bool keyIsNull,
        ReadOnlySpan<byte> value,
        bool valueIsNull,
        IReadOnlyList<RecordHeader>? headers = null)
    {
        if (_count == 0)
        {
            _baseTimestamp = timestamp;
            _maxTimestamp = timestamp;
        }
        else if (timestamp > _maxTimestamp)
        {
            _maxTimestamp = timestamp;
        }

        long timestampDelta = timestamp - _baseTimestamp;
        int offsetDelta = _count;
        int keyLength = keyIsNull ? -1 : key.Length;
        int valueLength = valueIsNull ? -1 : value.Length;
        int bodySize = Record.BodySize(timestampDelta, offsetDelta, keyLength, valueLength, headers);
        int total = ZigZagVarint.SizeOfInt32(bodySize) + bodySize;

        Span<byte> span = _records.GetSpan(total);
        int p = ZigZagVarint.WriteInt32(span, bodySize);
        span[p++] = 0; // record attributes: unused
        p += ZigZagVarint.WriteInt64(span[p..], timestampDelta);
        p += ZigZagVarint.WriteInt32(span[p..], offsetDelta);
        p += WriteBytes(span[p..], key, keyIsNull);
        p += WriteBytes(span[p..], value, valueIsNull);
        int headerCount = headers?.Count ?? 0;
        p += ZigZagVarint.WriteInt32(span[p..], headerCount);
        for (int i = 0; i < headerCount; i++)
        {
            RecordHeader header = headers![i];
            ArgumentNullException.ThrowIfNull(header.Key, nameof(headers));
            int keyBytes = Encoding.UTF8.GetByteCount(header.Key);
            p += ZigZagVarint.WriteInt32(span[p..], keyBytes);
            p += Encoding.UTF8.GetBytes(header.Key, span[p..]);
            p += WriteBytes(span[p..], header.Value, header.Value is null);
        }

        _records.Advance(p);
        _count++;
    }

    /// <summary>
    /// Appends a transaction marker control record (key: version 0, type; value: version 0,
    /// coordinatorEpoch), as written for EndTxn / WriteTxnMarkers. Requires <see cref="IsControl"/>.
    /// </summary>
    public void AppendEndTransactionMarker(long timestamp, ControlRecordType type, int coordinatorEpoch)
    {
        if (!IsControl)
        {
            throw new InvalidOperationException("Transaction markers belong in a control batch; set IsControl first.");
        }

        Span<byte> key = stackalloc byte[4];
        BinaryPrimitives.WriteInt16BigEndian(key, 0);
        BinaryPrimitives.WriteInt16BigEndian(key[2..], (short)type);
        Span<byte> value = stackalloc byte[6];
        BinaryPrimitives.WriteInt16BigEndian(value, 0);
        BinaryPrimitives.WriteInt32BigEndian(value[2..], coordinatorEpoch);
        Append(timestamp, key, false, value, false);
    }

    /// <summary>Writes the finished batch; returns its size in bytes. The builder keeps its records.</summary>
    /// <exception cref="InvalidOperationException">No records were appended (Kafka rejects empty batches from producers).</exception>
    public int WriteTo(IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        EnsureNotEmpty();
        if (Compression == CompressionType.None)
        {
            int total = RecordBatchHeader.HeaderSize + _records.WrittenCount;
            Span<byte> span = destination.GetSpan(total)[..total];
            WriteBatch(span, _records.WrittenSpan);
            destination.Advance(total);
            return total;
        }

        using var compressed = new PooledBufferWriter(RecordBatchHeader.HeaderSize + _records.WrittenCount / 2);
        CompressInto(compressed);
        destination.Write(compressed.WrittenSpan);
        return compressed.WrittenCount;
    }

    /// <summary>The finished batch as a new array.</summary>
    public byte[] ToArray()
    {
        EnsureNotEmpty();
        if (Compression == CompressionType.None)
        {
            var batch = new byte[RecordBatchHeader.HeaderSize + _records.WrittenCount];
            WriteBatch(batch, _records.WrittenSpan);
            return batch;
        }

        using var compressed = new PooledBufferWriter(RecordBatchHeader.HeaderSize + _records.WrittenCount / 2);
        CompressInto(compressed);
        return compressed.WrittenSpan.ToArray();
    }

    /// <summary>Drops the appended records, keeping the batch settings, to build the next batch.</summary>
    public void Reset()
    {
        _records.Clear();
        _count = 0;
        _baseTimestamp = 0;
        _maxTimestamp = 0;
    }

    public void Dispose() => _records.Dispose();

    private void CompressInto(PooledBufferWriter target)
    {
        // Reserve the header, compress behind it, then fill the header in place: IBufferWriter
        // cannot be patched after Advance, and the header needs the compressed length.
        target.GetSpan(RecordBatchHeader.HeaderSize);
        target.Advance(RecordBatchHeader.HeaderSize);
        CompressionCodecs.Compress(Compression, _records.WrittenSpan, target);
        Span<byte> batch = target.WrittenSpanForUpdate;
        WriteHeader(batch, batch.Length);
        RecordBatchHeader.WriteCrc(batch);
    }

    private void WriteBatch(Span<byte> batch, ReadOnlySpan<byte> records)
    {
        records.CopyTo(batch[RecordBatchHeader.RecordsOffset..]);
        WriteHeader(batch, batch.Length);
        RecordBatchHeader.WriteCrc(batch);
    }

    private void WriteHeader(Span<byte> batch, int totalSize)
    {
        short attributes = (short)Compression;
        if (TimestampType == TimestampType.LogAppendTime)
        {
            attributes |= RecordBatchHeader.TimestampTypeMask;
        }

        if (IsTransactional)
        {
            attributes |= RecordBatchHeader.TransactionalFlagMask;
        }

        if (IsControl)
        {
            attributes |= RecordBatchHeader.ControlFlagMask;
        }

        new RecordBatchHeader(
            BaseOffset,
            totalSize - RecordBatchHeader.LogOverhead,
            PartitionLeaderEpoch,
            RecordBatchHeader.CurrentMagic,
            crc: 0,
            attributes,
            lastOffsetDelta: _count - 1,
            _baseTimestamp,
            _maxTimestamp,
            ProducerId,
            ProducerEpoch,
            BaseSequence,
            _count).WriteTo(batch);
    }

    private void EnsureNotEmpty()
    {
        if (_count == 0)
        {
            throw new InvalidOperationException("A record batch needs at least one record.");
        }
    }

    private static int WriteBytes(Span<byte> destination, ReadOnlySpan<byte> bytes, bool isNull)
    {
        if (isNull)
        {
            return ZigZagVarint.WriteInt32(destination, -1);
        }

        int written = ZigZagVarint.WriteInt32(destination, bytes.Length);
        bytes.CopyTo(destination[written..]);
        return written + bytes.Length;
    }
}
