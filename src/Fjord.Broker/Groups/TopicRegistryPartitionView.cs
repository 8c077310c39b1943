using Fjord.Broker.Topics;
using Fjord.Coordinator;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Groups;

/// <summary>
/// <see cref="ITopicPartitionView"/> over the topic catalogue: partition existence for OffsetCommit
/// and high watermarks for consumer lag. Thread-safe; reads immutable snapshots and lock-free log offsets.
/// </summary>
public sealed class TopicRegistryPartitionView(TopicRegistry topics) : ITopicPartitionView
{
    public bool Exists(string topic, int partition) =>
        topics.TryGet(topic, out var metadata) && partition >= 0 && partition < metadata.PartitionCount;

    public long? HighWatermark(string topic, int partition) =>
        topics.TryGetLog(topic, partition, out var log) ? log.HighWatermark : null;
}
