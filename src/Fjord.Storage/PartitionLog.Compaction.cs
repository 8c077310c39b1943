using System.Buffers;
using Fjord.Protocol.Records;
using Fjord.Storage.Cleaner;
using Fjord.Storage.Segments;

namespace Fjord.Storage;

public sealed partial class PartitionLog
{
    /// <summary>Suffix of a cleaned segment being written; never part of the log (deleted at open).</summary>
    internal const string CleanedSuffix = ".cleaned";

    /// <summary>Suffix of a cleaned segment whose swap is committed (completed at open).</summary>
    internal const string SwapSuffix = ".swap";

    private readonly Lock _cleanLock = new();
    private long _cleanerCheckpoint;
    private long _earliestDeleteHorizonMs = long.MaxValue;

    /// <summary>
    /// The cleaner checkpoint: offsets below it have been compacted (Kafka's first dirty offset, kept in
    /// <c>cleaner-offset-checkpoint</c>).
    /// </summary>
    public long CleanerCheckpoint => Volatile.Read(ref _cleanerCheckpoint);

    /// <summary>Test seam: called after each durable step of a swap; a test throws to simulate a crash there.</summary>
    internal Action<CompactionStep>? CompactionStepHook { get; set; }

    /// <summary>
    /// The share of the cleanable part of the log that is dirty (written since the last cleaning), as
    /// Kafka's <c>LogCleanerManager</c> computes it; 0 for logs whose policy does not include compact or
    /// with nothing cleanable. Takes the append lock briefly.
    /// </summary>
    public double DirtyRatio
    {
        get
        {
            var range = GetCleanableRange(_time.GetUtcNow().ToUnixTimeMilliseconds());
            return range?.Ratio ?? 0;
        }
    }

    /// <summary>Test seam: drops the log as a crash would (no flush, no snapshot, no checkpoint); handles are closed.</summary>
    internal void AbandonForCrashTest()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (var segment in _segments)
                segment.LogFile.CloseHandle();
        }
        if (_ownsHandles)
            _handles.Dispose();
    }

    private sealed record CleanableRange(
        LogSegment[] Segments, int FirstDirtyIndex, int EndIndex, long FirstDirtyOffset, long EndOffset,
        long CleanBytes, long DirtyBytes, long LogStartOffset)
    {
        public double Ratio => CleanBytes + DirtyBytes == 0 ? 0 : (double)DirtyBytes / (CleanBytes + DirtyBytes);
    }

    /// <summary>
    /// Compacts the log if <c>cleanup.policy</c> includes compact and it is eligible: the dirty ratio is
    /// at least <c>min.cleanable.dirty.ratio</c>, or the oldest dirty segment exceeds
    /// <c>max.compaction.lag.ms</c>, or a delete horizon has passed (tombstones to drop), or
    /// <paramref name="force"/>. Keeps the latest record of every key (null-key records are kept),
    /// drops tombstones whose batch's delete horizon (set to now + <c>delete.retention.ms</c> when a
    /// cleaning first retains them, KIP-534) has passed, removes the records of aborted transactions and
    /// the transaction markers whose transaction has no records left once their own delete horizon has passed
    /// (Kafka's LogCleaner), never touches the active segment, segments at or above the last stable offset
    /// or younger than <c>min.compaction.lag.ms</c>, and swaps the result (with its <c>.txnindex</c>) in
    /// with Kafka's <c>.cleaned</c> → <c>.swap</c> → <c>.log</c> scheme. Returns null when nothing was
    /// cleaned. Called by the <see cref="LogManager"/>'s cleaner loop (one at a time per log); appends and
    /// reads continue meanwhile; the swap itself takes the append lock.
    /// </summary>
    /// <param name="maxMapKeys">Bound on distinct keys indexed per pass (Kafka's dedupe buffer size); the dirty range is cut at a segment boundary when reached.</param>
    /// <exception cref="IOException">A file could not be read or written; the log is left as it was or completed on next open.</exception>
    /// <exception cref="InvalidDataException">A batch to clean is corrupt; nothing is changed.</exception>
    public CompactionResult? Compact(bool force = false, int maxMapKeys = 4 * 1024 * 1024)
    {
        lock (_cleanLock)
        {
            long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            var range = GetCleanableRange(now);
            if (range is null || range.EndIndex == 0)
                return null;
            var config = _config;
            bool eligible = force || (range.DirtyBytes > 0 && range.Ratio >= config.MinCleanableDirtyRatio)
                || now >= Volatile.Read(ref _earliestDeleteHorizonMs)
                || (range.DirtyBytes > 0 && range.Segments[range.FirstDirtyIndex].FirstBatchTimestamp is long first
                    && first >= 0 && now - first > config.MaxCompactionLagMs);
            if (!eligible)
                return null;
            return Clean(range, now, maxMapKeys);
        }
    }

    private CleanableRange? GetCleanableRange(long now)
    {
        LogSegment[] segments;
        long logStartOffset, lastStableOffset, checkpoint;
        var config = _config;
        lock (_lock)
        {
            if (_disposed || _offline || (config.CleanupPolicy & CleanupPolicy.Compact) == 0)
                return null;
            segments = _segments;
            logStartOffset = LogStartOffset;
            lastStableOffset = LastStableOffset;
            checkpoint = CleanerCheckpoint;
        }
        long firstDirty = checkpoint < logStartOffset || checkpoint > LogEndOffset ? logStartOffset : checkpoint;

        // Kafka's cleanableOffsets: never the active segment, nothing at or above the last stable offset (so
        // never an undecided transaction, nor anything above the high watermark), nothing younger than
        // min.compaction.lag.ms.
        int end = 0;
        for (int i = 0; i < segments.Length - 1; i++)
        {
            var segment = segments[i];
            if (segments[i + 1].BaseOffset > lastStableOffset)
                break;
            if (config.MinCompactionLagMs > 0 && segments[i + 1].BaseOffset > firstDirty)
            {
                EnsureIndexes(segment);
                if (segment.MaxTimestamp > now - config.MinCompactionLagMs)
                    break;
            }
            end = i + 1;
        }

        int firstDirtyIndex = end;
        long clean = 0, dirty = 0;
        for (int i = 0; i < end; i++)
        {
            EnsureIndexes(segments[i]);
            if (segments[i + 1].BaseOffset <= firstDirty)
            {
                clean += segments[i].Size;
            }
            else
            {
                firstDirtyIndex = Math.Min(firstDirtyIndex, i);
                dirty += segments[i].Size;
            }
        }
        long endOffset = end < segments.Length ? segments[end].BaseOffset : LogEndOffset;
        return new CleanableRange(segments, firstDirtyIndex, end, firstDirty, endOffset, clean, dirty, logStartOffset);
    }

    private CompactionResult? Clean(CleanableRange range, long now, int maxMapKeys)
    {
        var segments = range.Segments;
        var config = _config;

        // 1. The offset map: the last offset of every key in the dirty range (Kafka's SkimpyOffsetMap,
        // but with exact keys, so a hash collision can never drop a live record).
        var map = new Dictionary<byte[], long>(KeyComparer.Instance);
        var lookup = map.GetAlternateLookup<ReadOnlySpan<byte>>();
        int end = range.EndIndex;
        // Records of aborted transactions never enter the map: they must not shadow older committed values.
        var mapTransactions = new CleanedTransactions(
            CollectAbortedTransactions(segments[range.FirstDirtyIndex].BaseOffset, segments[range.EndIndex].BaseOffset));
        for (int i = range.FirstDirtyIndex; i < range.EndIndex; i++)
        {
            if (i > range.FirstDirtyIndex && map.Count >= maxMapKeys)
            {
                end = i;
                break;
            }
            ForEachBatch(segments[i], (ReadOnlySpan<byte> batch, in RecordBatchHeader header) =>
            {
                if (header.IsControl)
                {
                    mapTransactions.OnControlBatch(batch, header);
                    return;
                }
                if (mapTransactions.OnDataBatch(header) || header.RecordCount == 0)
                    return;
                using var reader = new RecordReader(batch);
                while (reader.TryReadNext(out Record record))
                {
                    if (!record.IsKeyNull)
                        lookup[record.Key] = record.Offset;
                }
            });
        }
        long endOffset = end < segments.Length ? segments[end].BaseOffset : LogEndOffset;

        // The last batch of each producer keeps at least its header so idempotence survives (Kafka does too).
        var producerLastOffsets = new HashSet<long>();
        lock (_lock)
        {
            foreach (var entry in _producers.Entries)
                producerLastOffsets.Add(entry.LastOffset);
        }

        long bytesBefore = 0, bytesAfter = 0, removed = 0, tombstonesRemoved = 0;
        long earliestHorizon = long.MaxValue;
        int rewritten = 0;
        using var writer = new CompactedBatchWriter();
        foreach (var (first, count) in GroupSegments(segments, end, config))
        {
            if (_disposed)
                return null;
            var group = segments.AsSpan(first, count).ToArray();
            long groupBase = group[0].BaseOffset;
            string cleanedPath = LogFileNames.LogFile(Directory, groupBase) + CleanedSuffix;
            var file = _handles.Register(cleanedPath);
            var cleaned = new LogSegment(Directory, groupBase, file, 0, config, indexesLoaded: true) { StatsKnown = true, IndexesReady = true };
            long groupEnd = first + count < segments.Length ? segments[first + count].BaseOffset : LogEndOffset;
            var transactions = new CleanedTransactions(CollectAbortedTransactions(groupBase, groupEnd));
            bool changed = count > 1;
            int written = 0;
            long groupLastOffset = -1;
            foreach (var segment in group)
                bytesBefore += segment.Size;
            for (int i = group.Length - 1; i >= 0 && groupLastOffset < 0; i--)
                groupLastOffset = LastBatchOffset(group[i]);
            try
            {
                using (var lease = file.Acquire())
                {
                    RandomAccess.SetLength(lease.Handle, 0);
                    var handle = lease.Handle;
                    foreach (var segment in group)
                    {
                        ForEachBatch(segment, (ReadOnlySpan<byte> batch, in RecordBatchHeader header) =>
                        {
                            ReadOnlySpan<byte> output = batch;
                            if (header.IsControl)
                            {
                                // Kafka's LogCleaner: a marker whose transaction has no data left waits for its delete
                                // horizon (set now + delete.retention.ms by the first cleaning that finds it so), then goes.
                                if (transactions.OnControlBatch(batch, header))
                                {
                                    long? horizon = header.HasDeleteHorizon ? header.BaseTimestamp : null;
                                    if (horizon is long h && now >= h)
                                    {
                                        changed = true;
                                        if (header.LastOffset != groupLastOffset)
                                            return;
                                        writer.Begin(header, horizon);
                                        output = writer.Finish(); // the group's last batch keeps an empty header
                                    }
                                    else if (header.RecordCount > 0)
                                    {
                                        earliestHorizon = Math.Min(earliestHorizon, horizon ?? now + config.DeleteRetentionMs);
                                        if (horizon is null)
                                        {
                                            changed = true;
                                            output = WithDeleteHorizon(writer, batch, header, now + config.DeleteRetentionMs);
                                        }
                                    }
                                }
                            }
                            else if (header.RecordCount > 0)
                            {
                                bool aborted = transactions.OnDataBatch(header);
                                long? horizon = header.HasDeleteHorizon ? header.BaseTimestamp : null;
                                bool horizonPassed = horizon is long h && now >= h;
                                int kept = 0, keptTombstones = 0;
                                using (var reader = new RecordReader(batch))
                                {
                                    while (reader.TryReadNext(out Record record))
                                    {
                                        if (!aborted && Retain(record, lookup, horizonPassed))
                                        {
                                            kept++;
                                            if (record.IsValueNull)
                                                keptTombstones++;
                                        }
                                        else if (record.IsValueNull)
                                        {
                                            tombstonesRemoved++;
                                        }
                                    }
                                }
                                removed += header.RecordCount - kept;
                                bool setHorizon = keptTombstones > 0 && horizon is null;
                                if (keptTombstones > 0)
                                    earliestHorizon = Math.Min(earliestHorizon, horizon ?? now + config.DeleteRetentionMs);
                                if (kept < header.RecordCount || setHorizon)
                                {
                                    changed = true;
                                    if (kept == 0 && header.LastOffset != groupLastOffset && !(header.HasProducerId && producerLastOffsets.Contains(header.LastOffset)))
                                        return; // nothing left and no header to keep: drop the batch
                                    writer.Begin(header, setHorizon ? now + config.DeleteRetentionMs : horizon, clearTransactional: aborted);
                                    using var reader = new RecordReader(batch);
                                    while (reader.TryReadNext(out Record record))
                                    {
                                        if (!aborted && Retain(record, lookup, horizonPassed))
                                            writer.Add(record);
                                    }
                                    output = writer.Finish();
                                }
                            }
                            else
                            {
                                transactions.OnDataBatch(header);
                            }
                            RandomAccess.Write(handle, output, written);
                            cleaned.OnBatchAppended(RecordBatchHeader.Read(output), written, config.IndexIntervalBytes);
                            written += output.Length;
                        });
                    }
                    if (!changed)
                    {
                        bytesAfter += written;
                        file.MarkDeleted();
                        TryDelete(cleanedPath);
                        continue;
                    }
                    RandomAccess.FlushToDisk(handle);
                }
                cleaned.SetSize(written);
                cleaned.OnBecomeInactive();
                cleaned.TxnIndex.Rename(LogFileNames.TxnIndexFile(Directory, groupBase) + CleanedSuffix);
                cleaned.TxnIndex.WriteAll(transactions.RetainedIndex);
                bytesAfter += written;
                CompactionStepHook?.Invoke(CompactionStep.CleanedWritten);
                if (!SwapIn(group, cleaned))
                {
                    file.MarkDeleted();
                    TryDelete(cleaned.LogFile.Path);
                    return null;
                }
                rewritten++;
            }
            catch (Exception e) when (e is IOException or RecordBatchException or InvalidDataException)
            {
                // Before the swap's commit point the old segments are intact; after it, Open completes the swap.
                if (file.Path.EndsWith(CleanedSuffix, StringComparison.Ordinal))
                {
                    file.MarkDeleted();
                    TryDelete(file.Path);
                }
                throw;
            }
        }

        Volatile.Write(ref _cleanerCheckpoint, Math.Max(CleanerCheckpoint, endOffset));
        Volatile.Write(ref _earliestDeleteHorizonMs, earliestHorizon);
        var result = new CompactionResult
        {
            FirstDirtyOffset = range.FirstDirtyOffset,
            EndOffset = endOffset,
            DirtyRatio = range.Ratio,
            SegmentsRewritten = rewritten,
            BytesBefore = bytesBefore,
            BytesAfter = bytesAfter,
            RecordsRemoved = removed,
            TombstonesRemoved = tombstonesRemoved,
        };
        _logger.LogCompacted(_name, range.FirstDirtyOffset, endOffset, rewritten, bytesBefore, bytesAfter, removed);
        return result;
    }

    // The batch unchanged but for the delete-horizon flag and base timestamp (a marker starting to wait for its horizon).
    private static ReadOnlySpan<byte> WithDeleteHorizon(CompactedBatchWriter writer, ReadOnlySpan<byte> batch, RecordBatchHeader header, long horizon)
    {
        writer.Begin(header, horizon);
        using var reader = new RecordReader(batch);
        while (reader.TryReadNext(out Record record))
            writer.Add(record);
        return writer.Finish();
    }

    // Kafka's shouldRetainRecord: the latest record of its key, and a tombstone only until its
    // batch's delete horizon. Records without a key are kept (Kafka rejects them at produce time).
    private static bool Retain(in Record record, Dictionary<byte[], long>.AlternateLookup<ReadOnlySpan<byte>> lookup, bool horizonPassed)
    {
        if (record.IsKeyNull)
            return true;
        if (lookup.TryGetValue(record.Key, out long latest) && latest > record.Offset)
            return false;
        return !record.IsValueNull || !horizonPassed;
    }

    // Kafka's groupSegmentsBySize: consecutive segments whose total size fits segment.bytes and whose
    // offsets fit one segment's int32 relative range are cleaned into one.
    private static IEnumerable<(int First, int Count)> GroupSegments(LogSegment[] segments, int end, LogConfig config)
    {
        int i = 0;
        while (i < end)
        {
            int first = i;
            long size = segments[i].Size;
            i++;
            while (i < end && size + segments[i].Size <= config.SegmentBytes
                && segments[i + 1].BaseOffset - 1 - segments[first].BaseOffset <= int.MaxValue)
            {
                size += segments[i].Size;
                i++;
            }
            yield return (first, i - first);
        }
    }

    // The commit: under the append lock, rename .cleaned to .swap, replace the group in the segment
    // list, rename the old files .deleted (removed after file.delete.delay.ms, so in-flight reads
    // finish), rename .swap to .log and save the new indexes. False when retention or a close raced.
    private bool SwapIn(LogSegment[] group, LogSegment cleaned)
    {
        lock (_lock)
        {
            if (_disposed || _offline)
                return false;
            var segments = _segments;
            int at = Array.IndexOf(segments, group[0]);
            if (at < 0 || at + group.Length >= segments.Length)
                return false;
            for (int i = 1; i < group.Length; i++)
            {
                if (!ReferenceEquals(segments[at + i], group[i]))
                    return false;
            }

            try
            {
                SwapInLocked(segments, at, group, cleaned);
                return true;
            }
            catch (IOException e)
            {
                // Past the commit point the on-disk state is completed by the next Open.
                GoOffline(e, "compaction swap");
                throw;
            }
        }
    }

    private void SwapInLocked(LogSegment[] segments, int at, LogSegment[] group, LogSegment cleaned)
    {
        string logPath = LogFileNames.LogFile(Directory, cleaned.BaseOffset);
        string txnIndexPath = LogFileNames.TxnIndexFile(Directory, cleaned.BaseOffset);
        // The index goes first: a crash before the log's rename (the commit point) leaves a .swap that Open deletes.
        cleaned.TxnIndex.Rename(txnIndexPath + SwapSuffix);
        cleaned.LogFile.Rename(logPath + SwapSuffix);
        CompactionStepHook?.Invoke(CompactionStep.SwapRenamed);

        var replaced = new LogSegment[segments.Length - group.Length + 1];
        Array.Copy(segments, replaced, at);
        replaced[at] = cleaned;
        Array.Copy(segments, at + group.Length, replaced, at + 1, segments.Length - at - group.Length);
        _segments = replaced;

        long deleteAt = _time.GetUtcNow().ToUnixTimeMilliseconds() + _config.FileDeleteDelayMs;
        foreach (var old in group)
        {
            old.IsDeleted = true;
            old.LogFile.Rename(old.LogFile.Path + LogFileNames.DeletedSuffix);
            old.Index.Rename(old.Index.Path + LogFileNames.DeletedSuffix);
            old.TimeIndex.Rename(old.TimeIndex.Path + LogFileNames.DeletedSuffix);
            old.TxnIndex.Rename(old.TxnIndex.Path + LogFileNames.DeletedSuffix);
            old.LogFile.MarkDeleted();
            _pendingDeletes.Add((old, deleteAt));
        }
        CompactionStepHook?.Invoke(CompactionStep.OldSegmentsRenamed);

        cleaned.TxnIndex.Rename(txnIndexPath);
        cleaned.LogFile.Rename(logPath);
        cleaned.Index.Save(fsync: true);
        cleaned.TimeIndex.Save(fsync: true);
        CompactionStepHook?.Invoke(CompactionStep.SwapCompleted);
    }

    // The last offset of a segment's last batch, -1 when empty. The group's last batch always keeps at
    // least its header: Open completes an interrupted swap by deleting the old segments whose base
    // offsets fall in [swap base, swap next offset), which must therefore cover the whole group.
    private static long LastBatchOffset(LogSegment segment)
    {
        long last = -1;
        using var lease = segment.LogFile.Acquire();
        SegmentScanner.Scan(lease.Handle, 0, segment.Size, segment.BaseOffset, segment.BaseOffset, validateCrc: false,
            (in RecordBatchHeader header, int _) => last = header.LastOffset);
        return last;
    }

    private delegate void BatchBytesVisitor(ReadOnlySpan<byte> batch, in RecordBatchHeader header);

    // Calls visitor for every batch of a closed segment with its bytes (CRC checked), reading 1 MiB at a time.
    private static void ForEachBatch(LogSegment segment, BatchBytesVisitor visitor)
    {
        int size = segment.Size;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1024 * 1024);
        try
        {
            using var lease = segment.LogFile.Acquire();
            long position = 0;
            while (position + RecordBatchHeader.HeaderSize <= size)
            {
                int n = FileIo.ReadAtMost(lease.Handle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, size - position)), position);
                int offset = 0;
                while (offset + RecordBatchHeader.HeaderSize <= n)
                {
                    var header = RecordBatchHeader.Read(buffer.AsSpan(offset, n - offset));
                    if (header.BatchLength < RecordBatchHeader.MinBatchLength || header.Magic != RecordBatchHeader.CurrentMagic || header.TotalSize > size - position - offset)
                        throw new InvalidDataException($"Corrupt record batch in segment {segment} at position {position + offset}");
                    if (header.TotalSize > n - offset)
                        break;
                    var batch = buffer.AsSpan(offset, header.TotalSize);
                    if (RecordBatchHeader.ComputeCrc(batch) != header.Crc)
                        throw new InvalidDataException($"CRC mismatch in segment {segment} at position {position + offset}");
                    visitor(batch, header);
                    offset += header.TotalSize;
                }
                if (offset == 0)
                {
                    if (n < RecordBatchHeader.HeaderSize)
                        throw new InvalidDataException($"Segment {segment} ends inside a batch header at position {position}");
                    // One batch larger than the buffer: grow it and read again.
                    int total = RecordBatchHeader.Read(buffer).TotalSize;
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(total);
                    continue;
                }
                position += offset;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
