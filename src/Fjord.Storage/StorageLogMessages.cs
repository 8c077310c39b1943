using Microsoft.Extensions.Logging;

namespace Fjord.Storage;

/// <summary>
/// The storage layer's log lines, source-generated. Event ids 2000–2099 belong to Fjord.Storage and
/// never change meaning once released (dashboards and alerts key on them). Thread-safe.
/// </summary>
internal static partial class StorageLogMessages
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Warning,
        Message = "Truncating torn or corrupt tail of {Partition} segment {Segment} at position {Position}: {Reason}, dropping {BytesDropped} bytes")]
    public static partial void TruncatedCorruptTail(this ILogger logger, string partition, string segment, long position, string reason, long bytesDropped);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning,
        Message = "Deleting segment {Segment} of {Partition} that follows a truncated segment ({Bytes} bytes)")]
    public static partial void DeletedSegmentAfterCorruption(this ILogger logger, string partition, string segment, long bytes);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information,
        Message = "Rebuilding index of {Partition} segment {Segment}: {Reason}")]
    public static partial void RebuildingIndex(this ILogger logger, string partition, string segment, string reason);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information,
        Message = "Loaded {Partition}: {Segments} segments, log start offset {LogStartOffset}, log end offset {LogEndOffset}, {Producers} producers, recovered {RecoveredSegments} segments in {ElapsedMs} ms")]
    public static partial void LogLoaded(this ILogger logger, string partition, int segments, long logStartOffset, long logEndOffset, int producers, int recoveredSegments, long elapsedMs);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Debug,
        Message = "Rolled {Partition} to new segment at offset {BaseOffset} ({Reason})")]
    public static partial void RolledSegment(this ILogger logger, string partition, long baseOffset, string reason);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Error,
        Message = "Corrupt batch in {Partition} segment {Segment} at position {Position} ({Reason}); not serving it")]
    public static partial void CorruptBatchOnRead(this ILogger logger, string partition, string segment, long position, string reason);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Error,
        Message = "I/O error on {Partition} during {Operation}; the partition is offline until restart")]
    public static partial void PartitionOffline(this ILogger logger, Exception exception, string partition, string operation);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Information,
        Message = "Deleting segment {Segment} of {Partition}: {Reason}; log start offset is now {LogStartOffset}")]
    public static partial void DeletingSegment(this ILogger logger, string partition, string segment, string reason, long logStartOffset);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Warning,
        Message = "Could not delete {Path}")]
    public static partial void DeleteFailed(this ILogger logger, Exception exception, string path);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Information,
        Message = "Data dir {DataDir}: {Count} partition logs loaded in {ElapsedMs} ms (clean shutdown: {CleanShutdown})")]
    public static partial void LogsLoaded(this ILogger logger, string dataDir, int count, long elapsedMs, bool cleanShutdown);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Error,
        Message = "Could not load partition log {Directory}; it stays offline")]
    public static partial void LogLoadFailed(this ILogger logger, Exception exception, string directory);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Warning,
        Message = "Producer state snapshot {Path} is unreadable; rebuilding producer state from the log")]
    public static partial void SnapshotUnreadable(this ILogger logger, string path);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Information,
        Message = "Deleting logs of topic {Topic}: {Directory} renamed to {DeleteDirectory}")]
    public static partial void DeletingTopicLog(this ILogger logger, string topic, string directory, string deleteDirectory);

    [LoggerMessage(EventId = 2013, Level = LogLevel.Error,
        Message = "Background storage maintenance failed")]
    public static partial void MaintenanceFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2014, Level = LogLevel.Warning,
        Message = "Checkpoint file {Path} is unreadable ({Reason}); ignoring it")]
    public static partial void CheckpointUnreadable(this ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 2015, Level = LogLevel.Information,
        Message = "Compacted {Partition} offsets [{FirstDirtyOffset}, {EndOffset}): {Segments} segment groups rewritten, {BytesBefore} -> {BytesAfter} bytes, {RecordsRemoved} records removed")]
    public static partial void LogCompacted(this ILogger logger, string partition, long firstDirtyOffset, long endOffset, int segments, long bytesBefore, long bytesAfter, long recordsRemoved);

    [LoggerMessage(EventId = 2016, Level = LogLevel.Warning,
        Message = "Completed an interrupted compaction swap in {Partition}: {SwapFile} (next offset {NextOffset}) replaced the old segments")]
    public static partial void CompletedInterruptedSwap(this ILogger logger, string partition, string swapFile, long nextOffset);

    [LoggerMessage(EventId = 2017, Level = LogLevel.Error,
        Message = "Compaction of {Partition} failed; the log is unchanged and is retried on the next pass")]
    public static partial void CompactionFailed(this ILogger logger, Exception exception, string partition);

    [LoggerMessage(EventId = 2018, Level = LogLevel.Information,
        Message = "Truncated {Partition} from log end offset {FromOffset} to {ToOffset}")]
    public static partial void TruncatedLog(this ILogger logger, string partition, long fromOffset, long toOffset);

    [LoggerMessage(EventId = 2019, Level = LogLevel.Information,
        Message = "Truncated {Partition} fully (log end offset was {FromOffset}); it starts empty at {StartOffset}")]
    public static partial void TruncatedLogFully(this ILogger logger, string partition, long fromOffset, long startOffset);
}
