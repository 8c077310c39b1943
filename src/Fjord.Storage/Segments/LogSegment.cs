using Fjord.Protocol.Records;

namespace Fjord.Storage.Segments;

/// <summary>
/// One segment of a partition log: the <c>.log</c> file of batches starting at <see cref="BaseOffset"/>
/// with its <see cref="OffsetIndex"/>, <see cref="TimeIndex"/> and <see cref="TransactionIndex"/>. <see cref="Size"/> is the number of
/// bytes holding fully written batches; it is published after the bytes are written, so a reader that
/// reads <see cref="Size"/> first never sees a partial batch. Thread-safety: mutated only by the
/// holder of the owning <see cref="PartitionLog"/>'s append lock; the volatile fields and the indexes
/// may be read concurrently.
/// </summary>
internal sealed class LogSegment
{
    private volatile int _size;
    private volatile bool _indexesReady;
    private long _nextOffset;
    private long _maxTimestamp = -1;
    private long _offsetOfMaxTimestamp;

    public LogSegment(string dir, long baseOffset, CachedFile logFile, int size, LogConfig config, bool indexesLoaded)
    {
        BaseOffset = baseOffset;
        LogFile = logFile;
        _size = size;
        _nextOffset = baseOffset;
        _offsetOfMaxTimestamp = baseOffset;
        Index = new OffsetIndex(LogFileNames.IndexFile(dir, baseOffset), baseOffset, config.MaxOffsetIndexEntries, indexesLoaded);
        TimeIndex = new TimeIndex(LogFileNames.TimeIndexFile(dir, baseOffset), baseOffset, config.MaxTimeIndexEntries, indexesLoaded);
        TxnIndex = new TransactionIndex(LogFileNames.TxnIndexFile(dir, baseOffset), fresh: indexesLoaded);
    }

    public long BaseOffset { get; }

    public CachedFile LogFile { get; }

    public OffsetIndex Index { get; }

    public TimeIndex TimeIndex { get; }

    /// <summary>The aborted transactions whose ABORT marker is in this segment.</summary>
    public TransactionIndex TxnIndex { get; }

    /// <summary>Bytes of complete batches; readers must not look past it.</summary>
    public int Size => _size;

    /// <summary>The offset after the last batch (exact only for segments scanned or appended to since open).</summary>
    public long NextOffset
    {
        get => Volatile.Read(ref _nextOffset);
        set => Volatile.Write(ref _nextOffset, value);
    }

    /// <summary>The largest batch max-timestamp in the segment; -1 when empty or not known yet.</summary>
    public long MaxTimestamp
    {
        get => Volatile.Read(ref _maxTimestamp);
        private set => Volatile.Write(ref _maxTimestamp, value);
    }

    /// <summary>The base offset of the first batch carrying <see cref="MaxTimestamp"/>.</summary>
    public long OffsetOfMaxTimestamp => Volatile.Read(ref _offsetOfMaxTimestamp);

    /// <summary>Whether the max timestamp and next offset came from a scan or appends (not only from files on disk).</summary>
    public bool StatsKnown { get; set; }

    /// <summary>The max timestamp of the first batch (Kafka's rollingBasedTimestamp for <c>segment.ms</c>); null when unknown.</summary>
    public long? FirstBatchTimestamp { get; set; }

    /// <summary>Broker time of the first append (or, after a restart, the first batch's timestamp capped at open time); <c>segment.ms</c> counts from it. Null while empty.</summary>
    public long? CreatedAtMs { get; set; }

    /// <summary>
    /// This segment's share of <c>segment.jitter.ms</c> (Kafka's randomSegmentJitter): drawn once per segment in
    /// [0, min(segment.jitter.ms, segment.ms)), so partitions created together do not all roll at the same moment.
    /// </summary>
    public long RollJitterMs { get; set; }

    /// <summary>Bytes appended since the last index entry (Kafka's bytesSinceLastIndexEntry).</summary>
    public int BytesSinceLastIndexEntry { get; set; }

    /// <summary>The segment has been removed from the log and its files renamed for deletion.</summary>
    public bool IsDeleted { get; set; }

    /// <summary>True once both indexes are complete in memory (loaded or rebuilt); readers may trust <see cref="MaxTimestamp"/>.</summary>
    public bool IndexesReady
    {
        get => _indexesReady;
        set => _indexesReady = value;
    }

    /// <summary>Serializes the lazy load or rebuild of the indexes of a closed segment.</summary>
    public Lock IndexLoadLock { get; } = new();

    /// <summary>Publishes a new size after the bytes below it are written.</summary>
    public void SetSize(int size) => _size = size;

    /// <summary>
    /// Records one batch now stored at <paramref name="position"/>: indexes it if
    /// <c>index.interval.bytes</c> have passed and tracks the max timestamp. Append-lock holder only.
    /// </summary>
    public void OnBatchAppended(in RecordBatchHeader header, int position, int indexIntervalBytes)
    {
        if (FirstBatchTimestamp is null)
            FirstBatchTimestamp = header.MaxTimestamp;
        if (header.MaxTimestamp > MaxTimestamp)
        {
            Volatile.Write(ref _offsetOfMaxTimestamp, header.BaseOffset);
            MaxTimestamp = header.MaxTimestamp;
        }
        // Kafka's LogSegment.append: index when more than index.interval.bytes were appended since the
        // last entry, so the first batch (position 0 needs no entry) is never indexed.
        if (BytesSinceLastIndexEntry > indexIntervalBytes)
        {
            Index.Append(header.BaseOffset, position);
            TimeIndex.MaybeAppend(MaxTimestamp, OffsetOfMaxTimestamp);
            BytesSinceLastIndexEntry = 0;
        }
        BytesSinceLastIndexEntry += header.TotalSize;
        NextOffset = header.NextOffset;
    }

    /// <summary>Resets what <see cref="OnBatchAppended"/> tracks, before a rebuild from the file.</summary>
    public void ResetStats()
    {
        Index.Clear();
        TimeIndex.Clear();
        MaxTimestamp = -1;
        Volatile.Write(ref _offsetOfMaxTimestamp, BaseOffset);
        FirstBatchTimestamp = null;
        BytesSinceLastIndexEntry = 0;
        NextOffset = BaseOffset;
    }

    /// <summary>
    /// Cuts the segment's bookkeeping at byte <paramref name="position"/>, where the batch starting at
    /// <paramref name="firstRemovedOffset"/> began (Kafka's <c>LogSegment.truncateTo</c>): index entries at
    /// or after the cut are dropped and the statistics reset to what the time index still covers. The
    /// caller rescans the batches after the last remaining offset-index entry with
    /// <see cref="OnBatchAppended"/> to make them exact, then publishes <see cref="SetSize"/>.
    /// Append-lock holder only.
    /// </summary>
    public void TruncateIndexesTo(int position, long firstRemovedOffset)
    {
        Index.TruncateToPosition(position);
        TimeIndex.TruncateToOffset(firstRemovedOffset);
        MaxTimestamp = -1;
        Volatile.Write(ref _offsetOfMaxTimestamp, BaseOffset);
        if (position == 0)
        {
            FirstBatchTimestamp = null;
            CreatedAtMs = null;
        }
        BytesSinceLastIndexEntry = 0;
        NextOffset = Index.LastEntry?.Offset ?? BaseOffset;
        AdoptTimeIndexStats();
    }

    /// <summary>Takes max timestamp from the time index when the segment was not scanned (clean load).</summary>
    public void AdoptTimeIndexStats()
    {
        if (TimeIndex.LastEntry is { } last && last.Timestamp > MaxTimestamp)
        {
            Volatile.Write(ref _offsetOfMaxTimestamp, last.Offset);
            MaxTimestamp = last.Timestamp;
        }
    }

    /// <summary>Kafka's onBecomeInactiveSegment: a last time-index entry so the segment's max timestamp survives on disk.</summary>
    public void OnBecomeInactive()
    {
        if (Size > 0 && MaxTimestamp >= 0)
            TimeIndex.MaybeAppend(MaxTimestamp, OffsetOfMaxTimestamp);
    }

    public override string ToString() => LogFileNames.OffsetPrefix(BaseOffset) + LogFileNames.LogSuffix;
}
