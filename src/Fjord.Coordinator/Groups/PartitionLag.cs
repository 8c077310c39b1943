namespace Fjord.Coordinator.Groups;

/// <summary>
/// A group's position on one partition: the committed offset, the partition's high watermark and
/// their difference (null when this node does not host the partition). Immutable.
/// </summary>
public sealed record PartitionLag(string Topic, int Partition, long CommittedOffset, long? HighWatermark, long? Lag);
