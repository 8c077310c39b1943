using Fjord.Protocol.Errors;
using Fjord.Storage.Segments;

namespace Fjord.Storage;

public sealed partial class PartitionLog
{
    /// <summary>
    /// Retention (Kafka's <c>deleteOldSegments</c>): deletes whole closed segments, oldest first, that
    /// are entirely below the log start offset, or — with <c>cleanup.policy</c> including delete — whose
    /// newest timestamp is older than <c>retention.ms</c>, or while the log exceeds
    /// <c>retention.bytes</c>. The active segment is never deleted. Moves the log start offset to the
    /// first remaining segment. Files are renamed <c>.deleted</c> and removed after
    /// <c>file.delete.delay.ms</c> so in-flight reads finish. Returns the number of segments deleted.
    /// Thread-safe; serializes with appends.
    /// </summary>
    public int DeleteOldSegments()
    {
        lock (_lock)
        {
            if (_disposed || _offline)
                return 0;
            var config = _config;
            long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            var segments = _segments;
            long size = SizeInBytes;
            long logStartOffset = LogStartOffset;
            int count = 0;
            string? reason = null;
            for (int i = 0; i < segments.Length - 1; i++)
            {
                var segment = segments[i];
                string? why = null;
                if (segments[i + 1].BaseOffset <= logStartOffset)
                {
                    why = "below the log start offset";
                }
                else if ((config.CleanupPolicy & CleanupPolicy.Delete) != 0)
                {
                    EnsureIndexes(segment);
                    long largest = segment.MaxTimestamp >= 0 ? segment.MaxTimestamp : LastModifiedMs(segment);
                    if (config.RetentionMs >= 0 && now - largest > config.RetentionMs)
                        why = $"retention.ms {config.RetentionMs} exceeded (largest timestamp {largest})";
                    else if (config.RetentionBytes >= 0 && size - segment.Size >= config.RetentionBytes)
                        why = $"retention.bytes {config.RetentionBytes} exceeded (log size {size})";
                }
                if (why is null)
                    break;
                reason ??= why;
                size -= segment.Size;
                count++;
            }
            if (count > 0)
                DeleteFirstSegments(count, reason!, now);
            return count;
        }
    }

    /// <summary>
    /// DeleteRecords API: moves the log start offset to <paramref name="offset"/> (-1 means the high
    /// watermark) and deletes segments entirely below it. An offset above the high watermark answers
    /// OFFSET_OUT_OF_RANGE, as Kafka does. Returns the error and the resulting low watermark.
    /// Thread-safe; serializes with appends.
    /// </summary>
    public (ErrorCode Error, long LowWatermark) DeleteRecordsBefore(long offset)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_offline)
                return (ErrorCode.KafkaStorageError, LogStartOffset);
            if (offset == -1)
                offset = HighWatermark;
            if (offset < 0 || offset > HighWatermark)
                return (ErrorCode.OffsetOutOfRange, LogStartOffset);
            if (offset > LogStartOffset)
            {
                Volatile.Write(ref _logStartOffset, offset);
                _producers.TruncateHead(offset);
                PublishFirstUnstableOffset();
                _leaderEpochs.TruncateFromStart(offset);
                var segments = _segments;
                int count = 0;
                while (count < segments.Length - 1 && segments[count + 1].BaseOffset <= offset)
                    count++;
                if (count > 0)
                    DeleteFirstSegments(count, "DeleteRecords", _time.GetUtcNow().ToUnixTimeMilliseconds());
            }
            return (ErrorCode.None, LogStartOffset);
        }
    }

    /// <summary>
    /// Periodic housekeeping, called by <see cref="LogManager"/>'s scheduler: retention, <c>flush.ms</c>,
    /// removal of <c>.deleted</c> files whose delay passed, and producer-id expiration. Thread-safe.
    /// </summary>
    public void RunMaintenance()
    {
        DeleteOldSegments();
        FlushIfDue();
        lock (_lock)
        {
            long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            for (int i = _pendingDeletes.Count - 1; i >= 0; i--)
            {
                if (_disposed || _pendingDeletes[i].DeleteAtMs <= now)
                {
                    var segment = _pendingDeletes[i].Segment;
                    TryDelete(segment.LogFile.Path);
                    TryDelete(segment.Index.Path);
                    TryDelete(segment.TimeIndex.Path);
                    TryDelete(segment.TxnIndex.Path);
                    _pendingDeletes.RemoveAt(i);
                }
            }
            if (!_disposed)
                _producers.RemoveExpired(now, _producerIdExpirationMs);
        }
    }

    /// <summary>How many deleted segments still wait for <c>file.delete.delay.ms</c>.</summary>
    public int PendingSegmentDeletions
    {
        get
        {
            lock (_lock)
                return _pendingDeletes.Count;
        }
    }

    // Append-lock holder only. Removes the first count segments (never the active one) from the list,
    // then renames their files; readers holding the old list finish on their leased handles.
    private void DeleteFirstSegments(int count, string reason, long now)
    {
        var segments = _segments;
        var remaining = segments[count..];
        long logStartOffset = Math.Max(LogStartOffset, remaining[0].BaseOffset);
        Volatile.Write(ref _logStartOffset, logStartOffset);
        _segments = remaining;
        _producers.TruncateHead(logStartOffset);
        SetHighWatermarkLocked(Math.Max(HighWatermark, logStartOffset));
        _leaderEpochs.TruncateFromStart(logStartOffset);
        long deleteAt = now + _config.FileDeleteDelayMs;
        for (int i = 0; i < count; i++)
        {
            try
            {
                RetireSegment(segments[i], reason, deleteAt);
            }
            catch (IOException e)
            {
                // The segment is out of the log already; its files are only wasted space until deleted.
                _logger.DeleteFailed(e, segments[i].LogFile.Path);
                segments[i].LogFile.MarkDeleted();
                _pendingDeletes.Add((segments[i], deleteAt));
            }
        }
    }

    private static long LastModifiedMs(LogSegment segment)
    {
        // Kafka falls back to the file's mtime for segments without timestamps (old clients sent -1).
        return new DateTimeOffset(File.GetLastWriteTimeUtc(segment.LogFile.Path)).ToUnixTimeMilliseconds();
    }
}
