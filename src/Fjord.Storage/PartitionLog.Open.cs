using System.Diagnostics;
using Fjord.Protocol.Records;
using Fjord.Storage.Segments;

namespace Fjord.Storage;

public sealed partial class PartitionLog
{
    /// <summary>
    /// Opens (creating if absent) the partition log in <paramref name="directory"/>, whose name must be
    /// <c>&lt;topic&gt;-&lt;partition&gt;</c>. After a dirty shutdown the segments from the recovery
    /// point on are validated batch by batch (length bounds, magic 2, increasing offsets, CRC-32C) and a
    /// torn or corrupt tail is truncated with a warning; later segments, which would follow a hole, are
    /// deleted. Missing or inconsistent indexes are rebuilt. Producer state is loaded from the newest
    /// snapshot and the batches after it. Call from one thread; the returned log is then thread-safe.
    /// </summary>
    /// <exception cref="FormatException">The directory name is not a partition directory name.</exception>
    /// <exception cref="IOException">The directory cannot be read.</exception>
    public static PartitionLog Open(string directory, LogConfig config, PartitionLogOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        options ??= new PartitionLogOptions();
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        var topicPartition = TopicPartition.ParseDirectoryName(Path.GetFileName(full));
        System.IO.Directory.CreateDirectory(full);
        var log = new PartitionLog(full, topicPartition, config, options);
        try
        {
            log.Load(options);
            return log;
        }
        catch
        {
            foreach (var segment in log._segments)
                segment.LogFile.CloseHandle();
            if (log._ownsHandles)
                log._handles.Dispose();
            throw;
        }
    }

    private void Load(PartitionLogOptions options)
    {
        long started = Stopwatch.GetTimestamp();
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var config = _config;
        var bases = new List<long>();
        var snapshots = new List<long>();
        var indexFiles = new List<(string Path, long Offset)>();
        CompleteInterruptedSwaps();
        foreach (string path in System.IO.Directory.EnumerateFiles(Directory))
        {
            string name = Path.GetFileName(path);
            if (name.EndsWith(LogFileNames.DeletedSuffix, StringComparison.Ordinal) || name.EndsWith(".cleaned", StringComparison.Ordinal)
                || name.EndsWith(".swap", StringComparison.Ordinal) || name.EndsWith(".tmp", StringComparison.Ordinal))
            {
                // Leftovers of an interrupted deletion, compaction or atomic write: never part of the log.
                TryDelete(path);
            }
            else if (LogFileNames.TryParseOffset(name, LogFileNames.LogSuffix, out long baseOffset))
            {
                bases.Add(baseOffset);
            }
            else if (LogFileNames.TryParseOffset(name, LogFileNames.SnapshotSuffix, out long snapshotOffset))
            {
                snapshots.Add(snapshotOffset);
            }
            else if (LogFileNames.TryParseOffset(name, LogFileNames.IndexSuffix, out long indexOffset)
                || LogFileNames.TryParseOffset(name, LogFileNames.TimeIndexSuffix, out indexOffset)
                || LogFileNames.TryParseOffset(name, LogFileNames.TxnIndexSuffix, out indexOffset))
            {
                indexFiles.Add((path, indexOffset));
            }
        }
        bases.Sort();
        var baseSet = new HashSet<long>(bases);
        foreach (var (path, offset) in indexFiles)
        {
            if (!baseSet.Contains(offset))
                TryDelete(path);
        }

        var segments = new List<LogSegment>(Math.Max(1, bases.Count));
        _segments = [];
        foreach (long baseOffset in bases)
        {
            string path = LogFileNames.LogFile(Directory, baseOffset);
            long length = new FileInfo(path).Length;
            var segment = new LogSegment(Directory, baseOffset, _handles.Register(path), (int)Math.Min(length, int.MaxValue), config, indexesLoaded: false);
            segments.Add(segment);
            _segments = [.. segments];
        }
        if (segments.Count == 0)
        {
            segments.Add(CreateSegment(options.LogStartOffset ?? 0));
            _segments = [.. segments];
        }

        int recoverFrom = segments.Count - 1;
        if (options.HadCleanShutdown)
            recoverFrom = segments.Count;
        else if (options.RecoveryPoint is long recoveryPoint)
            recoverFrom = Math.Min(FindSegment([.. segments], recoveryPoint), segments.Count - 1);

        int recovered = 0;
        for (int i = recoverFrom; i < segments.Count; i++)
        {
            recovered++;
            bool truncated = RecoverSegment(segments[i], isActive: i == segments.Count - 1);
            if (truncated)
            {
                // The segments after a corrupt one would follow a hole in the offsets (Kafka deletes them too).
                for (int j = segments.Count - 1; j > i; j--)
                {
                    var later = segments[j];
                    _logger.DeletedSegmentAfterCorruption(_name, later.ToString(), later.Size);
                    DeleteSegmentFiles(later);
                    segments.RemoveAt(j);
                }
                break;
            }
        }

        var active = segments[^1];
        _segments = [.. segments];
        if (!active.StatsKnown)
            LoadActiveSegmentTail(active, config);
        if (active.Size > 0)
            active.CreatedAtMs = active.FirstBatchTimestamp is long first && first > 0 ? Math.Min(first, now) : now;
        active.RollJitterMs = RandomSegmentJitter(config);
        for (int i = 0; i < segments.Count - 1; i++)
        {
            if (!segments[i].StatsKnown)
                segments[i].NextOffset = segments[i + 1].BaseOffset;
        }

        long leo = active.NextOffset;
        long logStartOffset = Math.Clamp(Math.Max(options.LogStartOffset ?? 0, segments[0].BaseOffset), segments[0].BaseOffset, leo);
        // Kafka's LogSegment.recover rebuilds the aborted-transaction index of every recovered segment, which
        // needs the producer state at its start: replay from a snapshot no later than the first recovered segment.
        long rebuildTxnIndexFrom = recoverFrom < segments.Count ? segments[recoverFrom].BaseOffset : long.MaxValue;
        LoadProducerState(snapshots, leo, rebuildTxnIndexFrom);
        // A clean marker over a torn tail (LoadActiveSegmentTail recovered it) may leave entries past the end.
        active.TxnIndex.TruncateTo(leo);
        _producers.TruncateHead(logStartOffset);

        Volatile.Write(ref _logStartOffset, logStartOffset);
        Volatile.Write(ref _logEndOffset, leo);
        LoadLeaderEpochs(logStartOffset, leo, Math.Min(recoverFrom, segments.Count));
        Volatile.Write(ref _cleanerCheckpoint, Math.Clamp(options.CleanerCheckpoint ?? logStartOffset, logStartOffset, leo));
        long highWatermark = _advanceHighWatermarkOnAppend ? leo : options.HighWatermark ?? logStartOffset;
        SetHighWatermarkLocked(Math.Clamp(highWatermark, logStartOffset, leo));
        // Recovered segments were validated and truncations fsync'd; a clean shutdown flushed everything.
        Volatile.Write(ref _recoveryPoint, leo);

        _logger.LogLoaded(_name, segments.Count, logStartOffset, leo, _producers.ProducerCount, recovered,
            (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    // Loads leader-epoch-checkpoint. Like Kafka's segment recovery, epochs of batches in the recovered
    // segments that the file does not have yet (a crash between an append and its checkpoint write) are
    // assigned from the batches' partition leader epochs; an unreadable file is rebuilt from every segment.
    // Without this, a leader would answer OFFSET_OUT_OF_RANGE to followers whose epochs it cannot place,
    // and consumers validating their position (KIP-320) would reset it.
    private void LoadLeaderEpochs(long logStartOffset, long logEndOffset, int recoveredFrom)
    {
        string path = Path.Combine(Directory, LeaderEpochCache.FileName);
        try
        {
            _leaderEpochs = new LeaderEpochCache(path);
        }
        catch (FormatException e)
        {
            _logger.CheckpointUnreadable(path, e.Message);
            TryDelete(path);
            _leaderEpochs = new LeaderEpochCache(path);
            recoveredFrom = 0;
        }
        // Recovery may have dropped a torn tail; retention may have moved the start.
        _leaderEpochs.TruncateFromEnd(logEndOffset);
        int latest = _leaderEpochs.LatestEpoch;
        var segments = _segments;
        for (int i = recoveredFrom; i < segments.Length; i++)
        {
            var segment = segments[i];
            using var lease = segment.LogFile.Acquire();
            SegmentScanner.Scan(lease.Handle, 0, segment.Size, segment.BaseOffset, segment.BaseOffset, validateCrc: false,
                (in RecordBatchHeader header, int _) =>
                {
                    if (header.PartitionLeaderEpoch > latest)
                    {
                        _leaderEpochs.Assign(header.PartitionLeaderEpoch, header.BaseOffset);
                        latest = header.PartitionLeaderEpoch;
                    }
                });
        }
        _leaderEpochs.TruncateFromStart(logStartOffset);
        _latestLeaderEpoch = _leaderEpochs.LatestEpoch;
    }

    // Kafka's LogLoader swap handling: a .log.cleaned file never reached the commit point, so it is
    // dropped with the old segments left in place; a .log.swap file is a complete, fsync'd cleaned
    // group, so the swap is finished: every old segment whose base offset lies in
    // [swap base, swap next offset) is deleted with its indexes, and the swap becomes the .log.
    private void CompleteInterruptedSwaps()
    {
        foreach (string path in System.IO.Directory.EnumerateFiles(Directory, "*" + LogFileNames.LogSuffix + SwapSuffix))
        {
            string name = Path.GetFileName(path);
            if (!LogFileNames.TryParseOffset(name[..^SwapSuffix.Length], LogFileNames.LogSuffix, out long baseOffset))
                continue;
            long next;
            using (var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            {
                long length = RandomAccess.GetLength(handle);
                long last = baseOffset;
                var (validEnd, _) = SegmentScanner.Scan(handle, 0, length, baseOffset, baseOffset, validateCrc: true,
                    (in RecordBatchHeader header, int _) => last = header.NextOffset);
                if (validEnd != length)
                {
                    // Cannot happen (the swap was fsync'd before the rename); keep the old segments.
                    _logger.TruncatedCorruptTail(_name, name, validEnd, "invalid swap file; discarded", length - validEnd);
                    TryDelete(path);
                    continue;
                }
                next = last;
            }
            foreach (string other in System.IO.Directory.EnumerateFiles(Directory, "*" + LogFileNames.LogSuffix))
            {
                if (LogFileNames.TryParseOffset(Path.GetFileName(other), LogFileNames.LogSuffix, out long otherBase)
                    && otherBase >= baseOffset && otherBase < Math.Max(next, baseOffset + 1))
                {
                    TryDelete(other);
                    TryDelete(LogFileNames.IndexFile(Directory, otherBase));
                    TryDelete(LogFileNames.TimeIndexFile(Directory, otherBase));
                }
            }
            TryDelete(LogFileNames.IndexFile(Directory, baseOffset));
            TryDelete(LogFileNames.TimeIndexFile(Directory, baseOffset));
            File.Move(path, LogFileNames.LogFile(Directory, baseOffset), overwrite: true);
            _logger.CompletedInterruptedSwap(_name, name, next);
        }
    }

    // Validates every batch of the segment, rebuilding its indexes as it goes; truncates at the first
    // bad batch. Returns true when bytes were dropped.
    private bool RecoverSegment(LogSegment segment, bool isActive)
    {
        var config = _config;
        segment.ResetStats();
        bool truncated;
        using (var lease = segment.LogFile.Acquire())
        {
            long fileLength = RandomAccess.GetLength(lease.Handle);
            var (validEnd, stop) = SegmentScanner.Scan(lease.Handle, 0, Math.Min(fileLength, int.MaxValue), segment.BaseOffset, segment.BaseOffset, validateCrc: true,
                (in RecordBatchHeader header, int position) => segment.OnBatchAppended(header, position, config.IndexIntervalBytes));
            truncated = validEnd < fileLength;
            if (truncated)
            {
                string reason = stop == ScanStop.None ? "segment larger than 2 GiB" : stop.ToString();
                _logger.TruncatedCorruptTail(_name, segment.ToString(), validEnd, reason, fileLength - validEnd);
                RandomAccess.SetLength(lease.Handle, validEnd);
                RandomAccess.FlushToDisk(lease.Handle);
            }
            segment.SetSize((int)validEnd);
        }
        if (!isActive && !truncated)
            segment.OnBecomeInactive();
        segment.StatsKnown = true;
        segment.Index.Save(fsync: false);
        segment.TimeIndex.Save(fsync: false);
        segment.IndexesReady = true;
        return truncated;
    }

    // Clean load of the active segment: trust the indexes, and scan only from the last index entry to
    // learn the log end offset and the newest timestamps.
    private void LoadActiveSegmentTail(LogSegment active, LogConfig config)
    {
        EnsureIndexes(active, isActive: true);
        if (active.StatsKnown)
            return;
        var last = active.Index.LastEntry;
        int start = last?.Position ?? 0;
        long minOffset = last?.Offset ?? active.BaseOffset;
        long? firstTimestamp = null;
        ScanStop stop;
        long validEnd;
        using (var lease = active.LogFile.Acquire())
        {
            if (start > 0 && active.Size >= RecordBatchHeader.HeaderSize)
            {
                Span<byte> header = stackalloc byte[RecordBatchHeader.HeaderSize];
                if (FileIo.ReadAtMost(lease.Handle, header, 0) == header.Length)
                    firstTimestamp = RecordBatchHeader.Read(header).MaxTimestamp;
            }
            active.BytesSinceLastIndexEntry = 0;
            (validEnd, stop) = SegmentScanner.Scan(lease.Handle, start, active.Size, active.BaseOffset, minOffset, validateCrc: false,
                (in RecordBatchHeader header, int position) => active.OnBatchAppended(header, position, config.IndexIntervalBytes));
        }
        if (stop != ScanStop.None || validEnd != active.Size)
        {
            // The marker said clean but the tail is not: recover it like after a crash.
            RecoverSegment(active, isActive: true);
            return;
        }
        if (firstTimestamp is not null)
            active.FirstBatchTimestamp = firstTimestamp;
        active.StatsKnown = true;
    }

    /// <summary>
    /// Makes sure a segment's indexes are in memory: loads them from disk the first time, or rebuilds
    /// them from the segment when missing or inconsistent. Safe from reader threads (per-segment lock).
    /// </summary>
    private void EnsureIndexes(LogSegment segment, bool isActive = false)
    {
        if (segment.IndexesReady)
            return;
        lock (segment.IndexLoadLock)
        {
            if (segment.IndexesReady)
                return;
            int size = segment.Size;
            bool indexOk = segment.Index.TryLoad(size);
            bool timeIndexOk = segment.TimeIndex.TryLoad(int.MaxValue);
            if (indexOk && timeIndexOk && (size == 0 || segment.Index.Count > 0 || size <= 2 * _config.IndexIntervalBytes + 1024 * 1024 || segment.TimeIndex.Count > 0))
            {
                segment.AdoptTimeIndexStats();
            }
            else
            {
                _logger.RebuildingIndex(_name, segment.ToString(), indexOk ? "time index missing or inconsistent" : "offset index missing or inconsistent");
                var config = _config;
                segment.ResetStats();
                using (var lease = segment.LogFile.Acquire())
                {
                    SegmentScanner.Scan(lease.Handle, 0, size, segment.BaseOffset, segment.BaseOffset, validateCrc: false,
                        (in RecordBatchHeader header, int position) => segment.OnBatchAppended(header, position, config.IndexIntervalBytes));
                }
                if (!isActive)
                    segment.OnBecomeInactive();
                segment.StatsKnown = true;
                segment.Index.Save(fsync: false);
                segment.TimeIndex.Save(fsync: false);
            }
            segment.IndexesReady = true;
        }
    }

    // Loads the newest usable snapshot at or below the log end offset (and at or below rebuildTxnIndexFrom), then
    // replays the batches after it. The aborted-transaction index of every segment from rebuildTxnIndexFrom on is
    // rebuilt from the markers replayed.
    private void LoadProducerState(List<long> snapshots, long logEndOffset, long rebuildTxnIndexFrom = long.MaxValue)
    {
        _producers.Clear();
        long replayFrom = long.MinValue;
        snapshots.Sort();
        for (int i = snapshots.Count - 1; i >= 0; i--)
        {
            string path = LogFileNames.SnapshotFile(Directory, snapshots[i]);
            if (snapshots[i] > logEndOffset)
            {
                // Taken before a truncation: it remembers batches that are gone.
                TryDelete(path);
                continue;
            }
            if (snapshots[i] > rebuildTxnIndexFrom)
                continue;
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(path);
            }
            catch (IOException)
            {
                _logger.SnapshotUnreadable(path);
                continue;
            }
            if (_producers.TryLoadSnapshot(bytes))
            {
                replayFrom = snapshots[i];
                break;
            }
            _logger.SnapshotUnreadable(path);
            TryDelete(path);
        }

        var segments = _segments;
        int first = replayFrom == long.MinValue ? 0 : FindSegment(segments, replayFrom);
        byte[] markerBuffer = [];
        for (int i = first; i < segments.Length; i++)
        {
            var segment = segments[i];
            int start = 0;
            if (replayFrom > segment.BaseOffset)
            {
                EnsureIndexes(segment, isActive: i == segments.Length - 1);
                start = segment.Index.LookupPosition(replayFrom);
            }
            long from = replayFrom;
            bool rebuild = segment.BaseOffset >= rebuildTxnIndexFrom;
            if (rebuild)
                segment.TxnIndex.Reset();
            using var lease = segment.LogFile.Acquire();
            var handle = lease.Handle;
            SegmentScanner.Scan(handle, start, segment.Size, segment.BaseOffset, segment.BaseOffset, validateCrc: false,
                (in RecordBatchHeader header, int position) =>
                {
                    if (header.ProducerId < 0 || header.BaseOffset < from)
                        return;
                    EndTransactionMarker? marker = null;
                    if (header.IsControl)
                    {
                        // Markers are a few dozen bytes; only they are read beyond the header.
                        if (markerBuffer.Length < header.TotalSize)
                            markerBuffer = new byte[Math.Max(header.TotalSize, 256)];
                        var bytes = markerBuffer.AsSpan(0, header.TotalSize);
                        if (FileIo.ReadAtMost(handle, bytes, position) == bytes.Length && EndTransactionMarker.TryRead(bytes, out var m))
                            marker = m;
                    }
                    if (_producers.Replay(header, marker) is { IsAborted: true } aborted && rebuild)
                        segment.TxnIndex.Append(aborted.ToAborted());
                });
        }
    }

    private void WriteProducerSnapshot(long offset)
    {
        byte[] bytes = _producers.WriteSnapshot();
        string path = LogFileNames.SnapshotFile(Directory, offset);
        string tmp = path + ".tmp";
        using (var handle = File.OpenHandle(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            RandomAccess.Write(handle, bytes, 0);
            RandomAccess.FlushToDisk(handle);
        }
        File.Move(tmp, path, overwrite: true);

        // Keep the two newest: the latest one plus a fallback if it turns out unreadable.
        var existing = new List<long>();
        foreach (string file in System.IO.Directory.EnumerateFiles(Directory, "*" + LogFileNames.SnapshotSuffix))
        {
            if (LogFileNames.TryParseOffset(Path.GetFileName(file), LogFileNames.SnapshotSuffix, out long o))
                existing.Add(o);
        }
        existing.Sort();
        for (int i = 0; i < existing.Count - 2; i++)
            TryDelete(LogFileNames.SnapshotFile(Directory, existing[i]));
    }

    private void DeleteSegmentFiles(LogSegment segment)
    {
        segment.IsDeleted = true;
        segment.LogFile.MarkDeleted();
        TryDelete(segment.LogFile.Path);
        TryDelete(segment.Index.Path);
        TryDelete(segment.TimeIndex.Path);
        TryDelete(segment.TxnIndex.Path);
    }

    private void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException e)
        {
            _logger.DeleteFailed(e, path);
        }
        catch (UnauthorizedAccessException e)
        {
            _logger.DeleteFailed(e, path);
        }
    }
}
