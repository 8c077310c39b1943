using System.Buffers;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Records;
using Fjord.Storage.Segments;
using Fjord.Storage.Transactions;
using Microsoft.Extensions.Logging;

namespace Fjord.Storage;

/// <summary>
/// The log of one partition: a directory <c>&lt;topic&gt;-&lt;partition&gt;/</c> of segments
/// (<c>&lt;20-digit base offset&gt;.log</c> with <c>.index</c>, <c>.timeindex</c> and, once it has an aborted
/// transaction, <c>.txnindex</c>) holding magic-2
/// record batches verbatim, as producers sent them except for the base offset and partition leader
/// epoch the log stamps (neither is covered by the CRC).
/// <para>
/// Thread-safety: <see cref="Append"/>, <see cref="Flush"/>, retention and <see cref="Dispose"/>
/// serialize on a per-log lock; <see cref="Read"/>, <see cref="FindOffsetByTimestamp"/> and the offset
/// properties take no lock and run concurrently with appends. A reader only sees batches that are
/// completely written: an append writes its bytes first, then publishes the segment size, then the
/// log end offset, and readers read in the opposite order.
/// </para>
/// </summary>
public sealed partial class PartitionLog : IDisposable
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly ILogger _logger;
    private readonly FileHandleCache _handles;
    private readonly bool _ownsHandles;
    private bool _advanceHighWatermarkOnAppend;
    private readonly long _producerIdExpirationMs;
    private readonly ProducerStateManager _producers = new();
    private readonly List<(LogSegment Segment, long DeleteAtMs)> _pendingDeletes = [];
    private readonly string _name;

    private volatile LogConfig _config;
    private volatile LogSegment[] _segments = [];
    private long _logEndOffset;
    private long _logStartOffset;
    private long _highWatermark;
    private long _firstUnstableOffset = long.MaxValue;
    private long _recoveryPoint;
    private long _unflushedMessages;
    private long _firstUnflushedAtMs = -1;
    private volatile bool _offline;
    private bool _disposed;
    private LeaderEpochCache _leaderEpochs = null!;
    private int _latestLeaderEpoch = LeaderEpochCache.UndefinedEpoch;

    private PartitionLog(string directory, TopicPartition topicPartition, LogConfig config, PartitionLogOptions options)
    {
        Directory = directory;
        TopicPartition = topicPartition;
        _name = topicPartition.ToString();
        _config = config;
        _time = options.TimeProvider;
        _random = options.Random;
        _logger = options.Logger;
        _ownsHandles = options.HandleCache is null;
        _handles = options.HandleCache ?? new FileHandleCache(64);
        _advanceHighWatermarkOnAppend = options.AdvanceHighWatermarkOnAppend;
        _producerIdExpirationMs = options.ProducerIdExpirationMs;
    }

    /// <summary>The partition directory.</summary>
    public string Directory { get; }

    public TopicPartition TopicPartition { get; }

    /// <summary>The current config; replaced by <see cref="UpdateConfig"/>.</summary>
    public LogConfig Config => _config;

    /// <summary>The first offset a consumer may fetch; moved by retention and <see cref="DeleteRecordsBefore"/>.</summary>
    public long LogStartOffset => Volatile.Read(ref _logStartOffset);

    /// <summary>The offset the next appended record will get (LEO).</summary>
    public long LogEndOffset => Volatile.Read(ref _logEndOffset);

    /// <summary>
    /// The high watermark: the offset below which records are committed and visible to consumers. For a
    /// partition with one replica it follows <see cref="LogEndOffset"/> on every append; otherwise the replication
    /// layer owns it through <see cref="UpdateHighWatermark"/>.
    /// </summary>
    public long HighWatermark => Volatile.Read(ref _highWatermark);

    /// <summary>Offsets below this are known to be on disk (fsync'd); crash recovery starts from its segment.</summary>
    public long RecoveryPoint => Volatile.Read(ref _recoveryPoint);

    /// <summary>
    /// The leader epochs of this partition and their start offsets (<c>leader-epoch-checkpoint</c>).
    /// Appends with a newer leader epoch assign it at their first offset; the replication layer reads it
    /// for OffsetForLeaderEpoch and truncation.
    /// </summary>
    public LeaderEpochCache LeaderEpochs => _leaderEpochs;

    /// <summary>Bytes in all segments.</summary>
    public long SizeInBytes
    {
        get
        {
            long size = 0;
            foreach (var segment in _segments)
                size += segment.Size;
            return size;
        }
    }

    public int SegmentCount => _segments.Length;

    /// <summary>Size and offsets now, for metrics and DescribeLogDirs. Lock-free.</summary>
    public PartitionLogFigures GetFigures()
    {
        long leo = LogEndOffset;
        return new PartitionLogFigures(TopicPartition, SizeInBytes, SegmentCount, LogStartOffset, leo, HighWatermark, IsOffline);
    }

    /// <summary>The base offsets of the segments, oldest first (for tests, DescribeLogDirs and metrics).</summary>
    public IReadOnlyList<long> SegmentBaseOffsets
    {
        get
        {
            var segments = _segments;
            var offsets = new long[segments.Length];
            for (int i = 0; i < segments.Length; i++)
                offsets[i] = segments[i].BaseOffset;
            return offsets;
        }
    }

    /// <summary>True after an I/O error: appends and reads answer KAFKA_STORAGE_ERROR until the broker restarts.</summary>
    public bool IsOffline => _offline;

    /// <summary>How many producer ids have idempotence state.</summary>
    public int ProducerCount
    {
        get
        {
            lock (_lock)
                return _producers.ProducerCount;
        }
    }

    /// <summary>A copy of one producer's state (epoch and last batches), or null. Takes the append lock.</summary>
    public (short Epoch, BatchMetadata[] Batches)? GetProducerState(long producerId)
    {
        lock (_lock)
        {
            var entry = _producers.GetEntry(producerId);
            if (entry is null)
                return null;
            var batches = new BatchMetadata[entry.BatchCount];
            for (int i = 0; i < batches.Length; i++)
                batches[i] = entry.GetBatch(i);
            return (entry.ProducerEpoch, batches);
        }
    }

    /// <summary>
    /// Appends record batches (already validated, back to back, as in a Produce request): assigns
    /// offsets from <see cref="LogEndOffset"/> by stamping each batch's BaseOffset and
    /// PartitionLeaderEpoch, checks idempotent producers' sequences, and writes all batches with one
    /// positional write. The input is copied into one pooled buffer; no per-record allocation.
    /// With a <paramref name="verificationGuard"/> (a leader that verifies transactions, KIP-890), a transactional batch
    /// that would open its producer's transaction is refused with INVALID_TXN_STATE unless the guard is still current
    /// (<see cref="BeginTransactionVerification"/>); null skips that check.
    /// </summary>
    public LogAppendResult Append(ReadOnlySequence<byte> batches, int leaderEpoch, VerificationGuard? verificationGuard = null)
    {
        long length = batches.Length;
        if (length == 0)
            return LogAppendResult.Failed(ErrorCode.InvalidRecord, "The produce request contained no record batches", LogStartOffset);
        var config = _config;
        if (length > config.SegmentBytes || length > Array.MaxLength)
        {
            return LogAppendResult.Failed(ErrorCode.RecordListTooLarge,
                $"The record batches are {length} bytes, larger than segment.bytes {config.SegmentBytes}", LogStartOffset);
        }
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)length);
        try
        {
            batches.CopyTo(buffer);
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                return AppendLocked(buffer.AsSpan(0, (int)length), leaderEpoch, verificationGuard);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Convenience overload of <see cref="Append(ReadOnlySequence{byte}, int)"/> for contiguous bytes.</summary>
    public LogAppendResult Append(ReadOnlyMemory<byte> batches, int leaderEpoch, VerificationGuard? verificationGuard = null)
        => Append(new ReadOnlySequence<byte>(batches), leaderEpoch, verificationGuard);

    /// <summary>
    /// Whether an append moves the high watermark to the log end offset (see
    /// <see cref="PartitionLogOptions.AdvanceHighWatermarkOnAppend"/>). Replication turns it off for
    /// partitions with more than one replica and moves the high watermark itself. Thread-safe.
    /// </summary>
    public bool AdvanceHighWatermarkOnAppend
    {
        get => Volatile.Read(ref _advanceHighWatermarkOnAppend);
        set => Volatile.Write(ref _advanceHighWatermarkOnAppend, value);
    }

    /// <summary>
    /// A follower's append (Kafka's <c>appendAsFollower</c>): batches fetched from the leader are written
    /// verbatim, keeping the leader's base offsets, leader epochs and timestamps; producer state is replayed
    /// without sequence checks, and each new batch leader epoch is recorded in the epoch cache. Batches
    /// entirely below <see cref="LogEndOffset"/> are skipped (a re-fetch); a batch starting below it while
    /// ending above it, or offsets going backwards, is CORRUPT_MESSAGE. Never moves the high watermark:
    /// the follower takes it from the leader's fetch response (<see cref="UpdateHighWatermark"/>).
    /// Thread-safe; serializes with other appends.
    /// </summary>
    public LogAppendResult AppendAsFollower(ReadOnlySequence<byte> batches)
    {
        long length = batches.Length;
        if (length == 0)
            return new LogAppendResult { BaseOffset = LogEndOffset, LastOffset = LogEndOffset - 1, LogAppendTime = -1, LogStartOffset = LogStartOffset };
        if (length > Array.MaxLength)
            return LogAppendResult.Failed(ErrorCode.RecordListTooLarge, $"The fetched batches are {length} bytes", LogStartOffset);
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)length);
        try
        {
            batches.CopyTo(buffer);
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                var data = buffer.AsSpan(0, (int)length);
                long logEndOffset = LogEndOffset;
                int start = 0;
                // A fetch response may end with a partial batch (the leader cuts at the byte limit): drop it.
                int end = 0;
                while (end < data.Length)
                {
                    if (!RecordBatchHeader.TryRead(data[end..], out var header) || header.TotalSize > data.Length - end)
                        break;
                    if (header.LastOffset < logEndOffset && end == start)
                        start = end + header.TotalSize;
                    end += header.TotalSize;
                }
                if (start >= end)
                    return new LogAppendResult { BaseOffset = logEndOffset, LastOffset = logEndOffset - 1, LogAppendTime = -1, LogStartOffset = LogStartOffset };
                return AppendLocked(data[start..end], RecordBatchHeader.NoPartitionLeaderEpoch, verificationGuard: null, asFollower: true);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private LogAppendResult AppendLocked(Span<byte> data, int leaderEpoch, VerificationGuard? verificationGuard, bool asFollower = false)
    {
        long logStartOffset = LogStartOffset;
        if (_offline)
            return LogAppendResult.Failed(ErrorCode.KafkaStorageError, $"Partition {_name} is offline after an I/O error", logStartOffset);

        var config = _config;
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        bool logAppendTime = config.MessageTimestampType == MessageTimestampType.LogAppendTime;
        long firstOffset = LogEndOffset;
        if (asFollower && data.Length >= RecordBatchHeader.HeaderSize)
        {
            long leaderBase = RecordBatchHeader.ReadBaseOffset(data);
            if (leaderBase < firstOffset)
                return LogAppendResult.Failed(ErrorCode.CorruptMessage, $"Fetched batch at offset {leaderBase} overlaps the log end offset {firstOffset}", logStartOffset);
            firstOffset = leaderBase;
        }
        long nextOffset = firstOffset;
        long records = 0;
        _producers.BeginAppend();

        for (int position = 0; position < data.Length;)
        {
            if (data.Length - position < RecordBatchHeader.HeaderSize)
                return LogAppendResult.Failed(ErrorCode.CorruptMessage, $"Truncated record batch at byte {position}", logStartOffset);
            var batchBytes = data[position..];
            var header = RecordBatchHeader.Read(batchBytes);
            if (header.BatchLength < RecordBatchHeader.MinBatchLength || header.TotalSize > batchBytes.Length)
                return LogAppendResult.Failed(ErrorCode.CorruptMessage, $"Record batch at byte {position} has an invalid length {header.BatchLength}", logStartOffset);
            if (header.Magic != RecordBatchHeader.CurrentMagic)
                return LogAppendResult.Failed(ErrorCode.CorruptMessage, $"Record batch at byte {position} has magic {header.Magic}; only magic 2 is stored", logStartOffset);
            if (header.LastOffsetDelta < 0)
                return LogAppendResult.Failed(ErrorCode.CorruptMessage, $"Record batch at byte {position} has a negative last offset delta", logStartOffset);
            if (header.TotalSize > config.MaxMessageBytes)
            {
                return LogAppendResult.Failed(ErrorCode.MessageTooLarge,
                    $"The record batch is {header.TotalSize} bytes, larger than max.message.bytes {config.MaxMessageBytes}", logStartOffset);
            }

            if (asFollower)
            {
                // The leader assigned offsets, epochs and timestamps; they are kept byte for byte.
                if (header.BaseOffset < nextOffset)
                    return LogAppendResult.Failed(ErrorCode.CorruptMessage, $"Fetched batch at offset {header.BaseOffset} is below {nextOffset}", logStartOffset);
                nextOffset = header.BaseOffset + header.LastOffsetDelta + 1L;
                records += Math.Max(1, header.RecordCount);
                position += header.TotalSize;
                continue;
            }
            var batch = batchBytes[..header.TotalSize];
            RecordBatchHeader.SetBaseOffset(batch, nextOffset);
            RecordBatchHeader.SetPartitionLeaderEpoch(batch, leaderEpoch);
            if (LeaderRecordValidator.Applies(config, header, now)
                && LeaderRecordValidator.Validate(batch, config, now, _name, logStartOffset) is { } refused)
            {
                return refused;
            }
            long timestamp = header.MaxTimestamp;
            if (logAppendTime)
            {
                // KIP-32: the broker's clock replaces the producer's; this rewrites CRC-covered fields.
                RecordBatchHeader.SetLogAppendTime(batch, now);
                timestamp = now;
            }
            if (header.ProducerId >= 0)
            {
                EndTransactionMarker? marker = header.IsControl && EndTransactionMarker.TryRead(batch, out var m) ? m : null;
                var error = _producers.CheckAndAddPending(header, nextOffset, timestamp, marker, verificationGuard, out var duplicate, out string? message);
                if (error != ErrorCode.None)
                    return LogAppendResult.Failed(error, message, logStartOffset);
                if (duplicate is { } d)
                {
                    // Kafka answers a retried batch with the original offsets and writes nothing.
                    return new LogAppendResult
                    {
                        BaseOffset = d.FirstOffset,
                        LastOffset = d.LastOffset,
                        LogAppendTime = -1,
                        LogStartOffset = logStartOffset,
                        Duplicate = true,
                    };
                }
            }
            nextOffset += header.LastOffsetDelta + 1L;
            records += Math.Max(1, header.RecordCount);
            position += header.TotalSize;
        }

        try
        {
            var active = _segments[^1];
            if (RollReason(active, data.Length, nextOffset - 1, now, config) is { } reason)
                active = Roll(firstOffset, reason);

            int segmentPosition = active.Size;
            using (var lease = active.LogFile.Acquire())
                RandomAccess.Write(lease.Handle, data, segmentPosition);

            for (int position = 0; position < data.Length;)
            {
                var header = RecordBatchHeader.Read(data[position..]);
                active.OnBatchAppended(header, segmentPosition + position, config.IndexIntervalBytes);
                if (asFollower)
                {
                    if (header.ProducerId >= 0)
                    {
                        EndTransactionMarker? marker = header.IsControl && EndTransactionMarker.TryRead(data[position..], out var m) ? m : null;
                        if (_producers.Replay(header, marker) is { IsAborted: true } aborted)
                            active.TxnIndex.Append(aborted.ToAborted());
                    }
                    if (header.PartitionLeaderEpoch > _latestLeaderEpoch)
                    {
                        _leaderEpochs.Assign(header.PartitionLeaderEpoch, header.BaseOffset);
                        _latestLeaderEpoch = header.PartitionLeaderEpoch;
                    }
                }
                position += header.TotalSize;
            }
            if (active.CreatedAtMs is null)
                active.CreatedAtMs = now;
            // Publication order matters for lock-free readers: bytes, then segment size, then LEO.
            active.SetSize(segmentPosition + data.Length);
            _producers.CommitAppend();
            var completed = _producers.CompletedTransactions;
            for (int i = 0; i < completed.Count; i++)
            {
                if (completed[i].IsAborted)
                    active.TxnIndex.Append(completed[i].ToAborted());
            }
            if (leaderEpoch > _latestLeaderEpoch)
            {
                // Kafka assigns the epoch of each appended batch; only a new epoch touches the file.
                _leaderEpochs.Assign(leaderEpoch, firstOffset);
                _latestLeaderEpoch = leaderEpoch;
            }
            // Readers of the last stable offset see the new first unstable offset before the high watermark moves.
            PublishFirstUnstableOffset();
            Volatile.Write(ref _logEndOffset, nextOffset);
            if (!asFollower && _advanceHighWatermarkOnAppend)
                SetHighWatermarkLocked(nextOffset);

            _unflushedMessages += records;
            if (_firstUnflushedAtMs < 0)
                _firstUnflushedAtMs = now;
            if (_unflushedMessages >= config.FlushMessages)
                FlushLocked();
        }
        catch (IOException e)
        {
            GoOffline(e, "append");
            return LogAppendResult.Failed(ErrorCode.KafkaStorageError, $"I/O error appending to {_name}: {e.Message}", logStartOffset);
        }

        return new LogAppendResult
        {
            BaseOffset = firstOffset,
            LastOffset = nextOffset - 1,
            LogAppendTime = logAppendTime ? now : -1,
            LogStartOffset = logStartOffset,
        };
    }

    private static string? RollReason(LogSegment active, int appendSize, long lastOffset, long now, LogConfig config)
    {
        if (active.Size == 0)
            return null;
        if ((long)active.Size + appendSize > config.SegmentBytes)
            return "segment.bytes";
        if (active.Index.IsFull || active.TimeIndex.IsFull)
            return "index full";
        // Kafka ages a segment by its first batch's timestamp, so a producer with a skewed clock (or
        // replayed old data) makes every append roll a new segment. Fjord ages it by the broker's clock
        // at the first append (after a restart: the first batch's timestamp, capped at the open time).
        if (active.CreatedAtMs is long start && now - start >= config.MaxSegmentMs - active.RollJitterMs)
            return config.MaxSegmentMs < config.SegmentMs ? "max.compaction.lag.ms" : "segment.ms";
        if (lastOffset - active.BaseOffset > int.MaxValue)
            return "relative offset overflow";
        return null;
    }

    // Closes the active segment (last time-index entry, indexes saved, fsync) and starts a new one at
    // newBaseOffset. Append-lock holder only. The fsync makes every closed segment durable, so crash
    // recovery only ever needs to validate the segments after the recovery point.
    private LogSegment Roll(long newBaseOffset, string reason)
    {
        var segments = _segments;
        var old = segments[^1];
        old.OnBecomeInactive();
        old.Index.Save(fsync: true);
        old.TimeIndex.Save(fsync: true);
        old.TxnIndex.Flush();
        using (var lease = old.LogFile.Acquire())
            RandomAccess.FlushToDisk(lease.Handle);
        Volatile.Write(ref _recoveryPoint, Math.Max(RecoveryPoint, newBaseOffset));

        var segment = CreateSegment(newBaseOffset);
        var grown = new LogSegment[segments.Length + 1];
        Array.Copy(segments, grown, segments.Length);
        grown[^1] = segment;
        _segments = grown;
        WriteProducerSnapshot(newBaseOffset);
        _logger.RolledSegment(_name, newBaseOffset, reason);
        return segment;
    }

    private long RandomSegmentJitter(LogConfig config) =>
        config.SegmentJitterMs <= 0 ? 0 : _random.NextInt64(Math.Min(config.SegmentJitterMs, config.SegmentMs));

    private LogSegment CreateSegment(long baseOffset)
    {
        string path = LogFileNames.LogFile(Directory, baseOffset);
        var config = _config;
        if (config.Preallocate && !File.Exists(path))
        {
            // .NET reserves the blocks with fallocate(FALLOC_FL_KEEP_SIZE): the length stays 0, so readers and
            // recovery never meet a zero-filled tail.
            using (File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, FileOptions.None, config.SegmentBytes))
            {
            }
        }
        var file = _handles.Register(path);
        using (var lease = file.Acquire())
        {
            // Truncating an empty file would also free the blocks preallocate reserved past its end.
            if (RandomAccess.GetLength(lease.Handle) != 0)
                RandomAccess.SetLength(lease.Handle, 0);
        }
        foreach (string index in new[] { LogFileNames.IndexFile(Directory, baseOffset), LogFileNames.TimeIndexFile(Directory, baseOffset), LogFileNames.TxnIndexFile(Directory, baseOffset) })
        {
            if (File.Exists(index))
                File.Delete(index);
        }
        return new LogSegment(Directory, baseOffset, file, 0, config, indexesLoaded: true)
        {
            StatsKnown = true,
            IndexesReady = true,
            RollJitterMs = RandomSegmentJitter(config),
        };
    }

    /// <summary>
    /// Moves the high watermark (replication calls this as followers catch up; clamped to
    /// [<see cref="LogStartOffset"/>, <see cref="LogEndOffset"/>]). Thread-safe.
    /// </summary>
    public void UpdateHighWatermark(long highWatermark)
    {
        lock (_lock)
            SetHighWatermarkLocked(Math.Clamp(highWatermark, LogStartOffset, LogEndOffset));
    }

    // Append-lock holder only: completed transactions whose marker falls below the new high watermark become stable.
    private void SetHighWatermarkLocked(long highWatermark)
    {
        Volatile.Write(ref _highWatermark, highWatermark);
        _producers.OnHighWatermarkUpdated(highWatermark);
        PublishFirstUnstableOffset();
    }

    // Append-lock holder only, after any change to producer state.
    private void PublishFirstUnstableOffset() => Volatile.Write(ref _firstUnstableOffset, _producers.FirstUnstableOffset);

    /// <summary>Replaces the config (AlterConfigs); takes effect for the next append, roll and retention pass.</summary>
    public void UpdateConfig(LogConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        lock (_lock)
        {
            _config = config;
            var active = _segments[^1];
            active.Index.MaxEntries = config.MaxOffsetIndexEntries;
            active.TimeIndex.MaxEntries = config.MaxTimeIndexEntries;
        }
    }

    /// <summary>
    /// Forces everything appended so far to disk (fsync of the active segment and its indexes) and moves
    /// the recovery point to the log end offset. Thread-safe; serializes with appends.
    /// </summary>
    public void Flush()
    {
        lock (_lock)
        {
            if (_disposed || _offline)
                return;
            try
            {
                FlushLocked();
            }
            catch (IOException e)
            {
                GoOffline(e, "flush");
            }
        }
    }

    /// <summary>Flushes when <c>flush.ms</c> has passed since the oldest unflushed append. Returns true if it flushed.</summary>
    public bool FlushIfDue()
    {
        lock (_lock)
        {
            if (_disposed || _offline || _firstUnflushedAtMs < 0)
                return false;
            long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            if (now - _firstUnflushedAtMs < _config.FlushMs)
                return false;
            try
            {
                FlushLocked();
                return true;
            }
            catch (IOException e)
            {
                GoOffline(e, "flush");
                return false;
            }
        }
    }

    private void FlushLocked()
    {
        var active = _segments[^1];
        using (var lease = active.LogFile.Acquire())
            RandomAccess.FlushToDisk(lease.Handle);
        active.Index.Save(fsync: true);
        active.TimeIndex.Save(fsync: true);
        active.TxnIndex.Flush();
        Volatile.Write(ref _recoveryPoint, LogEndOffset);
        _unflushedMessages = 0;
        _firstUnflushedAtMs = -1;
    }

    private void GoOffline(Exception e, string operation)
    {
        // Kafka takes the whole log dir offline on an IOException (ENOSPC, EIO); Fjord takes this
        // partition offline so the broker keeps serving the others.
        _offline = true;
        _logger.PartitionOffline(e, _name, operation);
    }

    /// <summary>
    /// Flushes, saves indexes and the producer-state snapshot, and closes the segment files. Safe to
    /// call twice. Reads that are in flight finish on their leased handles.
    /// </summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
                return;
            _disposed = true;
            try
            {
                if (!_offline)
                {
                    FlushLocked();
                    WriteProducerSnapshot(LogEndOffset);
                }
            }
            catch (IOException e)
            {
                GoOffline(e, "close");
            }
            foreach (var segment in _segments)
                segment.LogFile.CloseHandle();
        }
        if (_ownsHandles)
            _handles.Dispose();
    }

    public override string ToString() => _name;
}
