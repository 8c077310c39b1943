using Fjord.Broker.Topics;
using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Protocol.Errors;
using Fjord.Storage;

namespace Fjord.Broker.Handlers.Groups;

/// <summary>
/// <see cref="IConsumerOffsetsLog"/> over the broker's topic catalogue: creates <c>__consumer_offsets</c>
/// as an internal, compacted topic with 100 MiB segments (Kafka's offsets.topic.segment.bytes) and
/// appends to / reads from its partition logs at leader epoch 0: the single-node form, where this node
/// leads everything. Cluster mode uses <c>ClusterConsumerOffsetsLog</c> (replicated, answered once committed). Thread-safe: TopicRegistry and PartitionLog are.
/// </summary>
public sealed class ConsumerOffsetsTopicLog(TopicRegistry topics) : IConsumerOffsetsLog
{
    private const string SegmentBytes = "104857600";

    public int? PartitionCount => topics.TryGet(ConsumerOffsetsPartitioner.TopicName, out var topic) ? topic.PartitionCount : null;

    public ErrorCode CreateTopic(int partitions)
    {
        var configs = new Dictionary<string, string?>
        {
            [LogConfig.CleanupPolicyName] = "compact",
            [LogConfig.SegmentBytesName] = SegmentBytes,
        };
        var result = topics.Create(ConsumerOffsetsPartitioner.TopicName, partitions, -1, configs, validateOnly: false, isInternal: true);
        return result.Error == ErrorCode.TopicAlreadyExists ? ErrorCode.None : result.Error;
    }

    public ConsumerOffsetsAppend Append(int partition, ReadOnlyMemory<byte> batch)
    {
        if (!topics.TryGetLog(ConsumerOffsetsPartitioner.TopicName, partition, out var log))
        {
            return ErrorCode.UnknownTopicOrPartition;
        }

        return log.Append(batch, leaderEpoch: 0).Error;
    }

    public ConsumerOffsetsChunk Read(int partition, long fromOffset, int maxBytes)
    {
        if (!topics.TryGetLog(ConsumerOffsetsPartitioner.TopicName, partition, out var log))
        {
            return new ConsumerOffsetsChunk(ErrorCode.None, ReadOnlyMemory<byte>.Empty, 0);
        }

        var highWatermark = log.HighWatermark;
        var read = log.Read(Math.Max(fromOffset, log.LogStartOffset), maxBytes, highWatermark, minOneBatch: true);
        return new ConsumerOffsetsChunk(read.Error, read.Records, highWatermark, read);
    }
}
