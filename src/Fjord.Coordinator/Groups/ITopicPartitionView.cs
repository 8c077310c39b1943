namespace Fjord.Coordinator;

/// <summary>
/// What the coordinator may observe of the data partitions: whether one exists (OffsetCommit answers
/// UNKNOWN_TOPIC_OR_PARTITION otherwise) and its high watermark (consumer lag). Implemented by the
/// broker over its topic catalogue. Implementations must be thread-safe and must not block.
/// </summary>
public interface ITopicPartitionView
{
    bool Exists(string topic, int partition);

    /// <summary>The partition's high watermark, or null when this node does not host it.</summary>
    long? HighWatermark(string topic, int partition);
}
