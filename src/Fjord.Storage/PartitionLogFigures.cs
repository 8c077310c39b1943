namespace Fjord.Storage;

/// <summary>
/// One partition log's size and offsets at one moment, for DescribeLogDirs and the metrics exporter
/// (Kafka's <c>kafka.log:type=Log</c> gauges Size, NumLogSegments, LogStartOffset, LogEndOffset).
/// Immutable.
/// </summary>
public sealed record PartitionLogFigures(
    TopicPartition TopicPartition,
    long SizeInBytes,
    int SegmentCount,
    long LogStartOffset,
    long LogEndOffset,
    long HighWatermark,
    bool IsOffline);
