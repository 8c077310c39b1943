using System.Buffers;
using Fjord.Protocol.Records;

namespace Fjord.Storage.Cleaner;

/// <summary>
/// Rewrites one magic-2 batch with a subset of its records, the way Kafka's
/// <c>MemoryRecords.filterTo</c> does: the base offset and last offset delta stay (so offsets and the
/// producer's sequence range are preserved), as do producer id, epoch, base sequence, partition leader
/// epoch, the transactional/control flags, the compression codec and the max timestamp. Records keep
/// their offset deltas; their timestamp deltas are re-encoded against the new base timestamp, which is
/// the delete horizon when one is set (KIP-534). The CRC-32C is computed over the result.
/// Not thread-safe; owned by one cleaning pass, which reuses its buffers for every batch.
/// </summary>
internal sealed class CompactedBatchWriter : IDisposable
{
    private readonly ArrayBufferWriter<byte> _records = new(64 * 1024);
    private readonly ArrayBufferWriter<byte> _compressed = new(64 * 1024);
    private byte[] _batch = new byte[64 * 1024];
    private RecordBatchHeader _original;
    private long _baseTimestamp;
    private long? _deleteHorizonMs;
    private bool _clearTransactional;
    private int _count;

    /// <summary>
    /// Starts a batch derived from <paramref name="original"/>; <paramref name="deleteHorizonMs"/> sets the delete-horizon flag.
    /// <paramref name="clearTransactional"/> drops the transactional flag: for the empty header left of an aborted batch, so
    /// that replaying the log after its marker is gone does not open a transaction that nothing closes.
    /// </summary>
    public void Begin(in RecordBatchHeader original, long? deleteHorizonMs, bool clearTransactional = false)
    {
        _original = original;
        _deleteHorizonMs = deleteHorizonMs;
        _clearTransactional = clearTransactional;
        _baseTimestamp = deleteHorizonMs ?? original.BaseTimestamp;
        _records.ResetWrittenCount();
        _count = 0;
    }

    public int Count => _count;

    /// <summary>Copies one record of the original batch (its offset delta kept, its timestamp re-based).</summary>
    public void Add(in Record record)
    {
        long timestamp = _original.BaseTimestamp + record.TimestampDelta;
        long timestampDelta = timestamp - _baseTimestamp;
        int keyLength = record.IsKeyNull ? -1 : record.Key.Length;
        int valueLength = record.IsValueNull ? -1 : record.Value.Length;
        int body = 1 + SizeOf(timestampDelta) + SizeOf(record.OffsetDelta)
            + SizeOf(keyLength) + Math.Max(keyLength, 0) + SizeOf(valueLength) + Math.Max(valueLength, 0)
            + SizeOf(record.HeaderCount);
        foreach (RecordHeaderView header in record.Headers)
        {
            int headerValueLength = header.IsValueNull ? -1 : header.Value.Length;
            body += SizeOf(header.Key.Length) + header.Key.Length + SizeOf(headerValueLength) + Math.Max(headerValueLength, 0);
        }

        int total = SizeOf(body) + body;
        Span<byte> span = _records.GetSpan(total);
        int p = Write(span, body);
        span[p++] = record.Attributes;
        p += Write(span[p..], timestampDelta);
        p += Write(span[p..], record.OffsetDelta);
        p += WriteBytes(span[p..], record.Key, record.IsKeyNull);
        p += WriteBytes(span[p..], record.Value, record.IsValueNull);
        p += Write(span[p..], record.HeaderCount);
        foreach (RecordHeaderView header in record.Headers)
        {
            p += WriteBytes(span[p..], header.Key, false);
            p += WriteBytes(span[p..], header.Value, header.IsValueNull);
        }

        _records.Advance(p);
        _count++;
    }

    /// <summary>
    /// The finished batch; valid until the next <see cref="Begin"/>. With no records added it is an
    /// empty batch header (Kafka keeps one for the last batch of a producer so its sequence survives).
    /// </summary>
    public ReadOnlySpan<byte> Finish()
    {
        var compression = _count == 0 ? CompressionType.None : _original.Compression;
        ReadOnlySpan<byte> payload = _records.WrittenSpan;
        if (compression != CompressionType.None)
        {
            _compressed.ResetWrittenCount();
            CompressionCodecs.Compress(compression, payload, _compressed);
            payload = _compressed.WrittenSpan;
        }
        int total = RecordBatchHeader.HeaderSize + payload.Length;
        if (_batch.Length < total)
            _batch = new byte[Math.Max(total, _batch.Length * 2)];
        Span<byte> batch = _batch.AsSpan(0, total);
        payload.CopyTo(batch[RecordBatchHeader.RecordsOffset..]);
        int attributeBits = (_original.Attributes & ~RecordBatchHeader.CompressionCodecMask) | (int)(byte)compression;
        if (_clearTransactional)
            attributeBits &= ~RecordBatchHeader.TransactionalFlagMask;
        short attributes = (short)attributeBits;
        if (_deleteHorizonMs is not null)
            attributes |= RecordBatchHeader.DeleteHorizonFlagMask;
        new RecordBatchHeader(
            _original.BaseOffset,
            batch.Length - RecordBatchHeader.LogOverhead,
            _original.PartitionLeaderEpoch,
            RecordBatchHeader.CurrentMagic,
            crc: 0,
            attributes,
            _original.LastOffsetDelta,
            _baseTimestamp,
            _original.MaxTimestamp,
            _original.ProducerId,
            _original.ProducerEpoch,
            _original.BaseSequence,
            _count).WriteTo(batch);
        RecordBatchHeader.WriteCrc(batch);
        return batch;
    }

    public void Dispose()
    {
        // Nothing pooled: the buffers live for one cleaning pass.
    }

    private static int SizeOf(long value)
    {
        ulong v = (ulong)((value << 1) ^ (value >> 63));
        int size = 1;
        while (v >= 0x80)
        {
            v >>= 7;
            size++;
        }
        return size;
    }

    private static int Write(Span<byte> destination, long value)
    {
        ulong v = (ulong)((value << 1) ^ (value >> 63));
        int i = 0;
        while (v >= 0x80)
        {
            destination[i++] = (byte)(v | 0x80);
            v >>= 7;
        }
        destination[i++] = (byte)v;
        return i;
    }

    private static int WriteBytes(Span<byte> destination, ReadOnlySpan<byte> bytes, bool isNull)
    {
        if (isNull)
            return Write(destination, -1);
        int written = Write(destination, bytes.Length);
        bytes.CopyTo(destination[written..]);
        return written + bytes.Length;
    }
}
