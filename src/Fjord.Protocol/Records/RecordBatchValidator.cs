using System.Buffers;
using System.Buffers.Binary;
using Fjord.Protocol.Errors;

namespace Fjord.Protocol.Records;

/// <summary>
/// Validates the records of one partition in a Produce request: one or more magic-2 batches back to
/// back, the way Kafka's LogValidator does before an append. Per batch: complete and at least a
/// header long; magic 2 (0/1 → UNSUPPORTED_FOR_MESSAGE_FORMAT, KIP-724); CRC-32C over attributes..end
/// (→ CORRUPT_MESSAGE); a known codec; RecordCount = LastOffsetDelta + 1 ≥ 1; and, unless
/// <see cref="RecordBatchValidationOptions.HeadersOnly"/>, every record parsed (decompressed into a
/// pooled buffer when needed) with offset deltas 0..n−1 and no bytes left over (→ INVALID_RECORD).
/// Errors are returned as values, never thrown. The uncompressed path does not allocate unless it
/// fails (the error message). Note: Kafka itself accepts only one v2 batch per partition per
/// request; <see cref="RecordBatchValidationResult.BatchCount"/> lets the handler enforce that.
/// Stateless; safe from any thread.
/// </summary>
public static class RecordBatchValidator
{
    // Legacy messages (offset, size, crc, magic) and v2 batches both keep the magic at byte 16, so
    // these 17 bytes tell the format before the rest is trusted.
    private const int MagicPrefixSize = RecordBatchHeader.MagicOffset + 1;

    /// <summary>Validates contiguous batch bytes.</summary>
    public static RecordBatchValidationResult Validate(ReadOnlySpan<byte> batches, RecordBatchValidationOptions options = default)
    {
        RecordBatchValidationResult result = Empty;
        if (batches.IsEmpty)
        {
            return Fail(result, ErrorCode.InvalidRecord, "The records hold no record batch.", 0);
        }

        long position = 0;
        while (!batches.IsEmpty)
        {
            ErrorCode error = CheckFraming(batches, batches.Length, out int totalSize, out string? message);
            if (error == ErrorCode.None)
            {
                error = ValidateBatch(batches[..totalSize], options, out RecordBatchHeader header, out message);
                if (error == ErrorCode.None)
                {
                    result = Accumulate(result, header);
                    batches = batches[totalSize..];
                    position += totalSize;
                    continue;
                }
            }

            return Fail(result, error, message!, position);
        }

        return result;
    }

    /// <summary>
    /// Validates batches as they arrive from a <see cref="System.IO.Pipelines.PipeReader"/>. Batches
    /// inside one segment are checked in place; one spanning segments is copied to a pooled array.
    /// </summary>
    public static RecordBatchValidationResult Validate(in ReadOnlySequence<byte> batches, RecordBatchValidationOptions options = default)
    {
        if (batches.IsSingleSegment)
        {
            return Validate(batches.FirstSpan, options);
        }

        RecordBatchValidationResult result = Empty;
        ReadOnlySequence<byte> remaining = batches;
        long position = 0;
        Span<byte> prefixCopy = stackalloc byte[MagicPrefixSize];
        while (!remaining.IsEmpty)
        {
            long remainingLength = remaining.Length;
            scoped ReadOnlySpan<byte> prefix;
            if (remaining.FirstSpan.Length >= MagicPrefixSize || remainingLength < MagicPrefixSize)
            {
                prefix = remaining.FirstSpan;
            }
            else
            {
                remaining.Slice(0, MagicPrefixSize).CopyTo(prefixCopy);
                prefix = prefixCopy;
            }

            ErrorCode error = CheckFraming(prefix, remainingLength, out int totalSize, out string? message);
            if (error == ErrorCode.None)
            {
                ReadOnlySequence<byte> batch = remaining.Slice(0, totalSize);
                RecordBatchHeader header;
                if (batch.IsSingleSegment)
                {
                    error = ValidateBatch(batch.FirstSpan, options, out header, out message);
                }
                else
                {
                    byte[] copy = ArrayPool<byte>.Shared.Rent(totalSize);
                    try
                    {
                        batch.CopyTo(copy);
                        error = ValidateBatch(copy.AsSpan(0, totalSize), options, out header, out message);
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(copy);
                    }
                }

                if (error == ErrorCode.None)
                {
                    result = Accumulate(result, header);
                    remaining = remaining.Slice(totalSize);
                    position += totalSize;
                    continue;
                }
            }

            return Fail(result, error, message!, position);
        }

        return result;
    }

    private static RecordBatchValidationResult Empty => new()
    {
        ProducerId = RecordBatchHeader.NoProducerId,
        ProducerEpoch = RecordBatchHeader.NoProducerEpoch,
        BaseSequence = RecordBatchHeader.NoSequence,
        MaxTimestamp = -1,
    };

    /// <summary>Checks that a whole magic-2 batch starts here, from its first 17 bytes and the bytes left.</summary>
    private static ErrorCode CheckFraming(ReadOnlySpan<byte> prefix, long remaining, out int totalSize, out string? message)
    {
        totalSize = 0;
        if (remaining < MagicPrefixSize)
        {
            message = $"Trailing partial record batch: {remaining} bytes left, too few for a batch header.";
            return ErrorCode.CorruptMessage;
        }

        byte magic = prefix[RecordBatchHeader.MagicOffset];
        if (magic < RecordBatchHeader.CurrentMagic)
        {
            message = $"Legacy message set (magic {magic}) is not supported; clients must send record batch v2 (Produce v3+).";
            return ErrorCode.UnsupportedForMessageFormat;
        }

        if (magic > RecordBatchHeader.CurrentMagic)
        {
            message = $"Unknown record batch magic {magic}.";
            return ErrorCode.CorruptMessage;
        }

        int batchLength = BinaryPrimitives.ReadInt32BigEndian(prefix[RecordBatchHeader.BatchLengthOffset..]);
        if (batchLength < RecordBatchHeader.MinBatchLength)
        {
            message = $"Record batch length {batchLength} is below the minimum of {RecordBatchHeader.MinBatchLength}.";
            return ErrorCode.CorruptMessage;
        }

        long total = (long)batchLength + RecordBatchHeader.LogOverhead;
        if (total > remaining)
        {
            message = $"Truncated record batch: it declares {total} bytes but {remaining} remain.";
            return ErrorCode.CorruptMessage;
        }

        totalSize = (int)total;
        message = null;
        return ErrorCode.None;
    }

    /// <summary>Validates exactly one framed batch.</summary>
    private static ErrorCode ValidateBatch(
        ReadOnlySpan<byte> batch,
        in RecordBatchValidationOptions options,
        out RecordBatchHeader header,
        out string? message)
    {
        header = RecordBatchHeader.Read(batch);
        uint computed = RecordBatchHeader.ComputeCrc(batch);
        if (computed != header.Crc)
        {
            message = $"Record batch CRC mismatch: stored 0x{header.Crc:X8}, computed 0x{computed:X8}.";
            return ErrorCode.CorruptMessage;
        }

        if (!CompressionCodecs.IsKnown(header.Compression))
        {
            message = $"Unknown compression codec id {(int)header.Compression}.";
            return ErrorCode.CorruptMessage;
        }

        if (header.RecordCount < 0 || header.LastOffsetDelta < 0)
        {
            message = $"Invalid record count {header.RecordCount} or last offset delta {header.LastOffsetDelta}.";
            return ErrorCode.InvalidRecord;
        }

        long countFromOffsets = (long)header.LastOffsetDelta + 1;
        if (options.HeadersOnly)
        {
            if (header.RecordCount > countFromOffsets)
            {
                message = $"Record count {header.RecordCount} exceeds the offset range of {countFromOffsets}.";
                return ErrorCode.InvalidRecord;
            }

            message = null;
            return ErrorCode.None;
        }

        if (header.RecordCount != countFromOffsets)
        {
            // Kafka LogValidator: "Inconsistent batch offset range and record count".
            message = $"Record count {header.RecordCount} does not match last offset delta {header.LastOffsetDelta}.";
            return ErrorCode.InvalidRecord;
        }

        ReadOnlySpan<byte> records = batch[RecordBatchHeader.RecordsOffset..];
        if (header.Compression == CompressionType.None)
        {
            return ValidateRecords(header, records, out message);
        }

        int maxSize = options.EffectiveMaxDecompressedSize;
        using var decompressed = new PooledBufferWriter((int)Math.Min(Math.Max(records.Length * 4L, 4096), maxSize + 1L));
        try
        {
            CompressionCodecs.Decompress(header.Compression, records, decompressed, maxSize);
        }
        catch (RecordBatchException ex)
        {
            message = ex.Message;
            return ex.ErrorCode;
        }

        return ValidateRecords(header, decompressed.WrittenSpan, out message);
    }

    private static ErrorCode ValidateRecords(in RecordBatchHeader header, ReadOnlySpan<byte> records, out string? message)
    {
        var reader = new RecordReader(header, records);
        while (true)
        {
            message = reader.TryReadNextCore(out Record record, out bool done);
            if (message is not null)
            {
                message = $"Record {reader.RecordsRead}: {message}";
                return ErrorCode.InvalidRecord;
            }

            if (done)
            {
                return ErrorCode.None;
            }

            if (record.OffsetDelta != reader.RecordsRead - 1)
            {
                // Kafka LogValidator: "Inner record offsets not in sequence" (producers number 0..n-1).
                message = $"Record {reader.RecordsRead - 1} has offset delta {record.OffsetDelta}; deltas must run 0..n-1.";
                return ErrorCode.InvalidRecord;
            }
        }
    }

    private static RecordBatchValidationResult Accumulate(in RecordBatchValidationResult result, in RecordBatchHeader header)
    {
        RecordBatchValidationResult next = result with
        {
            BatchCount = result.BatchCount + 1,
            RecordCount = result.RecordCount + header.RecordCount,
            ValidBytes = result.ValidBytes + header.TotalSize,
            MaxTimestamp = Math.Max(result.MaxTimestamp, header.MaxTimestamp),
        };

        if (result.BatchCount == 0)
        {
            next = next with
            {
                ProducerId = header.ProducerId,
                ProducerEpoch = header.ProducerEpoch,
                BaseSequence = header.BaseSequence,
                IsTransactional = header.IsTransactional,
                IsControl = header.IsControl,
                Compression = header.Compression,
            };
        }

        return next;
    }

    private static RecordBatchValidationResult Fail(in RecordBatchValidationResult result, ErrorCode error, string message, long position) =>
        result with { ErrorCode = error, ErrorMessage = message, ErrorPosition = position };
}
