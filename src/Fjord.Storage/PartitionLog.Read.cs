using System.Buffers;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Records;
using Fjord.Storage.Segments;

namespace Fjord.Storage;

public sealed partial class PartitionLog
{
    /// <summary>
    /// Reads whole batches starting with the one that contains <paramref name="fetchOffset"/>, from one
    /// segment, as they are on disk, up to <paramref name="maxBytes"/> — but with
    /// <paramref name="minOneBatch"/> at least the first batch whatever its size (KIP-74, so a consumer
    /// can always make progress). Only batches whose last offset is below
    /// <paramref name="maxOffsetExclusive"/> (the high watermark for consumers) are returned. Each
    /// served batch's CRC is checked: a corrupt first batch answers CORRUPT_MESSAGE.
    /// A <paramref name="fetchOffset"/> outside [<see cref="LogStartOffset"/>, <see cref="LogEndOffset"/>]
    /// answers OFFSET_OUT_OF_RANGE; at the log end offset the result is empty. Lock-free; safe
    /// concurrently with appends. The caller must dispose the result.
    /// </summary>
    public LogReadResult Read(long fetchOffset, int maxBytes, long maxOffsetExclusive = long.MaxValue, bool minOneBatch = true)
    {
        // Retention may delete a segment between our snapshot and the open: retry with a fresh snapshot.
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return ReadOnce(fetchOffset, maxBytes, maxOffsetExclusive, minOneBatch);
            }
            catch (ObjectDisposedException) when (attempt < 3 && !_disposed)
            {
            }
            catch (IOException e)
            {
                GoOffline(e, "read");
                return new LogReadResult(ErrorCode.KafkaStorageError, null, 0, HighWatermark, LogStartOffset, LogEndOffset, e.Message);
            }
        }
    }

    private LogReadResult ReadOnce(long fetchOffset, int maxBytes, long maxOffsetExclusive, bool minOneBatch)
    {
        // Order matters: LEO first, then the segment list, then each segment's size (the reverse of the
        // append's publication order), so every offset below leo is fully written in what we see.
        long leo = LogEndOffset;
        var segments = _segments;
        long highWatermark = HighWatermark;
        long logStartOffset = LogStartOffset;
        if (_offline)
            return new LogReadResult(ErrorCode.KafkaStorageError, null, 0, highWatermark, logStartOffset, leo, $"Partition {_name} is offline");
        if (fetchOffset < logStartOffset || fetchOffset > leo)
        {
            return new LogReadResult(ErrorCode.OffsetOutOfRange, null, 0, highWatermark, logStartOffset, leo,
                $"Offset {fetchOffset} is out of range [{logStartOffset}, {leo}] for {_name}");
        }
        long limit = Math.Min(maxOffsetExclusive, leo);
        if (fetchOffset >= limit)
            return new LogReadResult(ErrorCode.None, null, 0, highWatermark, logStartOffset, leo);

        for (int i = FindSegment(segments, fetchOffset); i < segments.Length; i++)
        {
            var segment = segments[i];
            int segmentSize = segment.Size;
            if (segmentSize == 0)
                continue;
            EnsureIndexes(segment);
            int start = fetchOffset > segment.BaseOffset ? segment.Index.LookupPosition(fetchOffset) : 0;
            using var lease = segment.LogFile.Acquire();
            var (position, header) = SegmentScanner.FindBatch(lease.Handle, start, segmentSize, fetchOffset);
            if (header is not { } first)
            {
                if (position < segmentSize)
                    return Corrupt(segment, position, "unreadable batch header", highWatermark, logStartOffset, leo);
                continue; // nothing at or after fetchOffset in this segment (a gap): try the next one
            }
            if (first.LastOffset >= limit)
                return new LogReadResult(ErrorCode.None, null, 0, highWatermark, logStartOffset, leo);

            int available = (int)(segmentSize - position);
            int want = Math.Min(Math.Max(maxBytes, 0), available);
            if (minOneBatch)
                want = Math.Max(want, Math.Min(first.TotalSize, available));
            if (want < first.TotalSize)
                return new LogReadResult(ErrorCode.None, null, 0, highWatermark, logStartOffset, leo);

            byte[] buffer = ArrayPool<byte>.Shared.Rent(want);
            int read = FileIo.ReadAtMost(lease.Handle, buffer.AsSpan(0, want), position);
            int length = 0;
            string? corruption = null;
            while (length + RecordBatchHeader.HeaderSize <= read)
            {
                var batch = buffer.AsSpan(length, read - length);
                var h = RecordBatchHeader.Read(batch);
                if (h.BatchLength < RecordBatchHeader.MinBatchLength || h.Magic != RecordBatchHeader.CurrentMagic)
                {
                    corruption = "invalid length or magic";
                    break;
                }
                if (h.TotalSize > batch.Length || h.LastOffset >= limit)
                    break;
                if (RecordBatchHeader.ComputeCrc(batch[..h.TotalSize]) != h.Crc)
                {
                    corruption = "CRC mismatch";
                    break;
                }
                length += h.TotalSize;
            }
            if (length == 0 && corruption is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                return Corrupt(segment, position, corruption, highWatermark, logStartOffset, leo);
            }
            if (length == 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                return new LogReadResult(ErrorCode.None, null, 0, highWatermark, logStartOffset, leo);
            }
            // A corrupt batch after good ones: serve the good prefix; the next fetch starts at the bad one.
            return new LogReadResult(ErrorCode.None, buffer, length, highWatermark, logStartOffset, leo);
        }
        return new LogReadResult(ErrorCode.None, null, 0, highWatermark, logStartOffset, leo);
    }

    private LogReadResult Corrupt(LogSegment segment, long position, string reason, long highWatermark, long logStartOffset, long leo)
    {
        _logger.CorruptBatchOnRead(_name, segment.ToString(), position, reason);
        return new LogReadResult(ErrorCode.CorruptMessage, null, 0, highWatermark, logStartOffset, leo,
            $"Corrupt record batch in {_name} segment {segment} at position {position}: {reason}");
    }

    /// <summary>
    /// ListOffsets by timestamp: the first batch whose max timestamp is at least
    /// <paramref name="timestamp"/>, and in it the first record whose timestamp is at least that, as
    /// (offset, record timestamp); null when every record is older. Uses the time index to skip to the
    /// right batch. Records of compressed batches are not decoded here: for those the answer is the
    /// batch's first offset with its max timestamp (a consumer seeking there reads a few older records).
    /// Lock-free; safe concurrently with appends.
    /// </summary>
    public (long Offset, long Timestamp)? FindOffsetByTimestamp(long timestamp)
    {
        long leo = LogEndOffset;
        var segments = _segments;
        long logStartOffset = LogStartOffset;
        foreach (var segment in segments)
        {
            int segmentSize = segment.Size;
            if (segmentSize == 0 || segment.IsDeleted)
                continue;
            EnsureIndexes(segment);
            if (segment.MaxTimestamp < timestamp)
                continue;
            long startOffset = Math.Max(segment.TimeIndex.LookupOffset(timestamp), logStartOffset);
            int start = startOffset > segment.BaseOffset ? segment.Index.LookupPosition(startOffset) : 0;
            using var lease = segment.LogFile.Acquire();
            long position = start;
            while (position < segmentSize)
            {
                var (found, header) = SegmentScanner.FindBatch(lease.Handle, position, segmentSize, startOffset);
                if (header is not { } h || h.BaseOffset >= leo)
                    break;
                if (h.MaxTimestamp >= timestamp && h.LastOffset >= logStartOffset)
                    return FindInBatch(lease.Handle, found, h, timestamp, logStartOffset);
                position = found + h.TotalSize;
                startOffset = h.NextOffset;
            }
        }
        return null;
    }

    /// <summary>
    /// The first record carrying the log's largest timestamp (ListOffsets -3, KIP-734), or null
    /// for an empty log. Segments know their max timestamp, so only the winning segment is read.
    /// </summary>
    public (long Offset, long Timestamp)? FindMaxTimestamp()
    {
        long max = long.MinValue;
        foreach (var segment in _segments)
        {
            if (segment.Size == 0 || segment.IsDeleted)
                continue;
            EnsureIndexes(segment);
            max = Math.Max(max, segment.MaxTimestamp);
        }

        return max == long.MinValue ? null : FindOffsetByTimestamp(max);
    }

    private static (long Offset, long Timestamp) FindInBatch(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long position, RecordBatchHeader header, long timestamp, long logStartOffset)
    {
        if (header.TimestampType == TimestampType.LogAppendTime)
        {
            // LogAppendTime: every record carries the batch's max timestamp (KIP-32).
            return (Math.Max(header.BaseOffset, logStartOffset), header.MaxTimestamp);
        }
        byte[] buffer = ArrayPool<byte>.Shared.Rent(header.TotalSize);
        try
        {
            int read = FileIo.ReadAtMost(handle, buffer.AsSpan(0, header.TotalSize), position);
            if (RecordTimestamps.TryFindFirstAtOrAfter(buffer.AsSpan(0, read), header, timestamp, logStartOffset, out long offset, out long recordTimestamp))
                return (offset, recordTimestamp);
            return (Math.Max(header.BaseOffset, logStartOffset), header.MaxTimestamp);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // The segment whose base offset is the largest at or below offset (0 when offset is below all).
    private static int FindSegment(LogSegment[] segments, long offset)
    {
        int lo = 0, hi = segments.Length - 1, found = 0;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (segments[mid].BaseOffset <= offset)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return found;
    }
}
