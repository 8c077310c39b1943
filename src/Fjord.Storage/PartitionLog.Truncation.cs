using Fjord.Protocol.Errors;
using Fjord.Storage.Segments;

namespace Fjord.Storage;

public sealed partial class PartitionLog
{
    /// <summary>The steps of a truncation, in order; a crash between any two leaves a log that reopens consistently.</summary>
    internal enum TruncationStep
    {
        EpochsTruncated,
        SnapshotsDeleted,
        SegmentsRemoved,
        SegmentCut,
        Completed,
    }

    /// <summary>Test seam: called after each <see cref="TruncationStep"/> under the append lock (a throw simulates a crash there).</summary>
    internal Action<TruncationStep>? TruncationStepHook { get; set; }

    /// <summary>
    /// Removes every record at or after <paramref name="offset"/> (Kafka's <c>UnifiedLog.truncateTo</c>), as a
    /// follower does when its log diverged from the leader's (KIP-101, KIP-279, KIP-595). Nothing happens at
    /// or after the log end offset. Below the first segment it is <see cref="TruncateFullyAndStartAt"/>.
    /// Otherwise, in this order: leader epochs starting at or after the offset are dropped; producer snapshots
    /// above it are deleted; segments wholly above it are renamed <c>.deleted</c>, newest first; the segment
    /// holding it is cut before the batch containing the offset (so an offset inside a batch removes the
    /// whole batch and the log end offset lands on that batch's base), with its <c>.index</c> and
    /// <c>.timeindex</c>, and fsync'd. Then the log end offset, high watermark, recovery point and cleaner
    /// checkpoint are clamped and producer state is rebuilt from the newest snapshot at or below the new end.
    /// Each step leaves files that <see cref="Open"/> reconciles (the epoch cache and snapshots are cut to the
    /// recovered end), so a crash anywhere reopens to a consistent log between the old and the new end.
    /// Returns KAFKA_STORAGE_ERROR (and the log goes offline) on an I/O error.
    /// Thread-safe: waits for a running compaction, then serializes with appends.
    /// </summary>
    public ErrorCode TruncateTo(long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        lock (_cleanLock)
        {
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_offline)
                    return ErrorCode.KafkaStorageError;
                long logEndOffset = LogEndOffset;
                if (offset >= logEndOffset)
                    return ErrorCode.None;
                try
                {
                    if (offset < _segments[0].BaseOffset)
                        TruncateFullyLocked(offset);
                    else
                        TruncateLocked(offset);
                }
                catch (IOException e)
                {
                    GoOffline(e, "truncate");
                    return ErrorCode.KafkaStorageError;
                }
                _logger.TruncatedLog(_name, logEndOffset, LogEndOffset);
                return ErrorCode.None;
            }
        }
    }

    /// <summary>
    /// Deletes the whole log and starts it empty at <paramref name="offset"/> (Kafka's
    /// <c>truncateFullyAndStartAt</c>): for a follower whose log end offset is below the leader's log start
    /// offset. The leader-epoch cache and producer snapshots are cleared first, then every segment is renamed
    /// <c>.deleted</c> newest first, then the new empty segment is created; a crash in between reopens to a
    /// prefix of the old log (or an empty one), which the follower truncates again. Log start, log end,
    /// high watermark, recovery point and cleaner checkpoint all become <paramref name="offset"/>.
    /// Returns KAFKA_STORAGE_ERROR (and the log goes offline) on an I/O error.
    /// Thread-safe: waits for a running compaction, then serializes with appends.
    /// </summary>
    public ErrorCode TruncateFullyAndStartAt(long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        lock (_cleanLock)
        {
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_offline)
                    return ErrorCode.KafkaStorageError;
                long logEndOffset = LogEndOffset;
                try
                {
                    TruncateFullyLocked(offset);
                }
                catch (IOException e)
                {
                    GoOffline(e, "truncate fully");
                    return ErrorCode.KafkaStorageError;
                }
                _logger.TruncatedLogFully(_name, logEndOffset, offset);
                return ErrorCode.None;
            }
        }
    }

    private void TruncateLocked(long offset)
    {
        _leaderEpochs.TruncateFromEnd(offset);
        _latestLeaderEpoch = _leaderEpochs.LatestEpoch;
        TruncationStepHook?.Invoke(TruncationStep.EpochsTruncated);

        var snapshots = DeleteSnapshotsAbove(offset);
        TruncationStepHook?.Invoke(TruncationStep.SnapshotsDeleted);

        var segments = _segments;
        int keep = FindSegment(segments, offset);
        var holder = segments[keep];
        EnsureIndexes(holder, isActive: true);
        int cut;
        using (var lease = holder.LogFile.Acquire())
        {
            long start = offset > holder.BaseOffset ? holder.Index.LookupPosition(offset) : 0;
            var (position, _) = SegmentScanner.FindBatch(lease.Handle, start, holder.Size, offset);
            cut = (int)Math.Min(position, holder.Size);
        }

        // Readers look at the log end offset first, then the segment list, then sizes: shrink in that order.
        Volatile.Write(ref _logEndOffset, offset);
        ClampOffsetsToEnd(offset);
        if (offset < LogStartOffset)
            Volatile.Write(ref _logStartOffset, offset);
        _segments = segments[..(keep + 1)];
        long deleteAt = _time.GetUtcNow().ToUnixTimeMilliseconds() + _config.FileDeleteDelayMs;
        for (int i = segments.Length - 1; i > keep; i--)
            RetireSegment(segments[i], "log truncation", deleteAt);
        TruncationStepHook?.Invoke(TruncationStep.SegmentsRemoved);

        var config = _config;
        holder.TruncateIndexesTo(cut, offset);
        holder.TxnIndex.TruncateTo(offset);
        int rescanFrom = holder.Index.LastEntry?.Position ?? 0;
        holder.SetSize(cut);
        using (var lease = holder.LogFile.Acquire())
        {
            SegmentScanner.Scan(lease.Handle, rescanFrom, cut, holder.BaseOffset, holder.BaseOffset, validateCrc: false,
                (in Protocol.Records.RecordBatchHeader header, int position) => holder.OnBatchAppended(header, position, config.IndexIntervalBytes));
            RandomAccess.SetLength(lease.Handle, cut);
            RandomAccess.FlushToDisk(lease.Handle);
        }
        holder.StatsKnown = true;
        holder.IndexesReady = true;
        holder.Index.MaxEntries = config.MaxOffsetIndexEntries;
        holder.TimeIndex.MaxEntries = config.MaxTimeIndexEntries;
        holder.Index.Save(fsync: true);
        holder.TimeIndex.Save(fsync: true);
        TruncationStepHook?.Invoke(TruncationStep.SegmentCut);

        long newEnd = holder.NextOffset;
        Volatile.Write(ref _logEndOffset, newEnd);
        // A cut inside a batch also removed its head: the epoch cache must not name offsets past the end.
        _leaderEpochs.TruncateFromEnd(newEnd);
        _latestLeaderEpoch = _leaderEpochs.LatestEpoch;
        ClampOffsetsToEnd(newEnd);
        holder.TxnIndex.TruncateTo(newEnd);
        LoadProducerState(snapshots, newEnd);
        _producers.TruncateHead(LogStartOffset);
        SetHighWatermarkLocked(HighWatermark);
        TruncationStepHook?.Invoke(TruncationStep.Completed);
    }

    private void TruncateFullyLocked(long offset)
    {
        _leaderEpochs.Clear();
        _latestLeaderEpoch = LeaderEpochCache.UndefinedEpoch;
        TruncationStepHook?.Invoke(TruncationStep.EpochsTruncated);

        DeleteSnapshotsAbove(-1);
        _producers.Clear();
        TruncationStepHook?.Invoke(TruncationStep.SnapshotsDeleted);

        var segments = _segments;
        long deleteAt = _time.GetUtcNow().ToUnixTimeMilliseconds() + _config.FileDeleteDelayMs;
        // Renaming also frees the name of an old segment at the new base offset.
        for (int i = segments.Length - 1; i >= 0; i--)
            RetireSegment(segments[i], "log truncated fully", deleteAt);
        TruncationStepHook?.Invoke(TruncationStep.SegmentsRemoved);

        var fresh = CreateSegment(offset);
        fresh.Index.Save(fsync: true);
        fresh.TimeIndex.Save(fsync: true);
        Volatile.Write(ref _logStartOffset, offset);
        Volatile.Write(ref _logEndOffset, offset);
        _segments = [fresh];
        TruncationStepHook?.Invoke(TruncationStep.SegmentCut);

        SetHighWatermarkLocked(offset);
        Volatile.Write(ref _recoveryPoint, offset);
        Volatile.Write(ref _cleanerCheckpoint, offset);
        _unflushedMessages = 0;
        _firstUnflushedAtMs = -1;
        TruncationStepHook?.Invoke(TruncationStep.Completed);
    }

    private void ClampOffsetsToEnd(long logEndOffset)
    {
        SetHighWatermarkLocked(Math.Min(HighWatermark, logEndOffset));
        Volatile.Write(ref _recoveryPoint, Math.Min(RecoveryPoint, logEndOffset));
        Volatile.Write(ref _cleanerCheckpoint, Math.Min(CleanerCheckpoint, logEndOffset));
    }

    // Deletes producer snapshots taken above offset (they remember batches that are gone) and returns
    // the offsets of those that remain.
    private List<long> DeleteSnapshotsAbove(long offset)
    {
        var remaining = new List<long>();
        foreach (string file in System.IO.Directory.EnumerateFiles(Directory, "*" + LogFileNames.SnapshotSuffix))
        {
            if (!LogFileNames.TryParseOffset(Path.GetFileName(file), LogFileNames.SnapshotSuffix, out long snapshotOffset))
                continue;
            if (snapshotOffset > offset)
                TryDelete(file);
            else
                remaining.Add(snapshotOffset);
        }
        return remaining;
    }

    // Append-lock holder only, after the segment left _segments: renames its files .deleted (open removes
    // leftovers) and deletes them after file.delete.delay.ms so in-flight reads finish on their handles.
    // Throws IOException when a rename fails: a truncated segment left under its name would come back on open.
    private void RetireSegment(LogSegment segment, string reason, long deleteAt)
    {
        _logger.DeletingSegment(_name, segment.ToString(), reason, LogStartOffset);
        segment.IsDeleted = true;
        segment.LogFile.Rename(segment.LogFile.Path + LogFileNames.DeletedSuffix);
        segment.Index.Rename(segment.Index.Path + LogFileNames.DeletedSuffix);
        segment.TimeIndex.Rename(segment.TimeIndex.Path + LogFileNames.DeletedSuffix);
        segment.TxnIndex.Rename(segment.TxnIndex.Path + LogFileNames.DeletedSuffix);
        segment.LogFile.MarkDeleted();
        _pendingDeletes.Add((segment, deleteAt));
    }
}
