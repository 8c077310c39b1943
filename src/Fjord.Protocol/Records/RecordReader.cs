using Fjord.Protocol.Errors;

namespace Fjord.Protocol.Records;

/// <summary>
/// Iterates the records of one magic-2 batch. Uncompressed batches are read in place; compressed
/// ones are decompressed once, up front, into a buffer rented from the shared array pool (bounded by
/// <c>maxDecompressedSize</c>), which <see cref="Dispose"/> returns — so always use it with
/// <c>using</c>, and do not keep a <see cref="Record"/> past disposal.
/// <code>
/// using var reader = new RecordReader(batchBytes);
/// while (reader.TryReadNext(out Record record)) { ... }
/// </code>
/// Structure errors throw <see cref="RecordBatchException"/>. The reader does not check the CRC nor
/// that offset deltas are consecutive (compacted batches have gaps); <see cref="RecordBatchValidator"/>
/// does both for produce requests.
/// Not thread-safe; a ref struct owned by the caller's stack frame.
/// </summary>
public ref struct RecordReader
{
    private readonly RecordBatchHeader _header;
    private PooledBufferWriter? _decompressed;
    private ReadOnlySpan<byte> _remaining;
    private int _recordsRead;
    private Record _current;

    /// <summary>Reads the batch at the start of <paramref name="batch"/> (trailing bytes beyond it are ignored).</summary>
    /// <exception cref="RecordBatchException">The batch is truncated, not magic 2, or cannot be decompressed.</exception>
    public RecordReader(ReadOnlySpan<byte> batch, int maxDecompressedSize = CompressionCodecs.DefaultMaxDecompressedSize)
    {
        if (!RecordBatchHeader.TryRead(batch, out _header))
        {
            throw new RecordBatchException(ErrorCode.CorruptMessage, "Record batch is shorter than its 61-byte header.");
        }

        if (_header.Magic != RecordBatchHeader.CurrentMagic)
        {
            throw new RecordBatchException(
                ErrorCode.UnsupportedForMessageFormat,
                $"Record batch magic {_header.Magic} is not supported; only magic 2 is.");
        }

        if (_header.BatchLength < RecordBatchHeader.MinBatchLength || _header.TotalSize > batch.Length || _header.TotalSize < 0)
        {
            throw new RecordBatchException(
                ErrorCode.CorruptMessage,
                $"Record batch length {_header.BatchLength} does not fit the {batch.Length} bytes given.");
        }

        ReadOnlySpan<byte> records = batch[RecordBatchHeader.RecordsOffset.._header.TotalSize];
        if (_header.Compression == CompressionType.None)
        {
            _remaining = records;
            return;
        }

        var buffer = new PooledBufferWriter((int)Math.Min(Math.Max(records.Length * 4L, 4096), maxDecompressedSize + 1L));
        try
        {
            CompressionCodecs.Decompress(_header.Compression, records, buffer, maxDecompressedSize);
        }
        catch
        {
            buffer.Dispose();
            throw;
        }

        _decompressed = buffer;
        _remaining = buffer.WrittenSpan;
    }

    /// <summary>For the validator: records already decompressed (or in place); the caller owns the memory.</summary>
    internal RecordReader(in RecordBatchHeader header, ReadOnlySpan<byte> records)
    {
        _header = header;
        _remaining = records;
    }

    public readonly RecordBatchHeader Header => _header;

    /// <summary>How many records have been returned so far.</summary>
    public readonly int RecordsRead => _recordsRead;

    /// <summary>The record returned by the last successful <see cref="MoveNext"/>.</summary>
    public readonly Record Current => _current;

    /// <summary>Reads the next record; false after the header's RecordCount records.</summary>
    /// <exception cref="RecordBatchException">A record is malformed, fewer records than declared, or bytes are left over.</exception>
    public bool TryReadNext(out Record record)
    {
        string? error = TryReadNextCore(out record, out bool done);
        if (error is not null)
        {
            throw new RecordBatchException(ErrorCode.InvalidRecord, error);
        }

        return !done;
    }

    /// <summary>Enumerator-style access: advances and exposes the record as <see cref="Current"/>.</summary>
    public bool MoveNext() => TryReadNext(out _current);

    /// <summary>Returns the decompression buffer to the pool; records read earlier become invalid.</summary>
    public void Dispose()
    {
        PooledBufferWriter? buffer = _decompressed;
        _decompressed = null;
        _remaining = default;
        buffer?.Dispose();
    }

    /// <summary>Non-throwing core shared with the validator: null on success, else an InvalidRecord message.</summary>
    internal string? TryReadNextCore(out Record record, out bool done)
    {
        if (_recordsRead >= _header.RecordCount)
        {
            record = default;
            done = true;
            // Kafka: "Incorrect declared batch size, records still remaining in file".
            return _remaining.IsEmpty ? null : "Record batch has bytes left after its declared record count.";
        }

        done = false;
        if (_remaining.IsEmpty)
        {
            record = default;
            return "Record batch holds fewer records than its declared record count.";
        }

        string? error = Record.TryParse(_remaining, _header, out record, out int consumed);
        if (error is not null)
        {
            return error;
        }

        _remaining = _remaining[consumed..];
        _recordsRead++;
        return null;
    }
}
