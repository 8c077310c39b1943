using Fjord.Broker.Topics;
using Fjord.Coordinator;
using Fjord.Coordinator.ConsumerGroups;
using Fjord.Protocol;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Groups;

/// <summary>
/// <see cref="ITopicPartitionView"/> over the topic catalogue: partition existence for OffsetCommit
/// and high watermarks for consumer lag; and, as <see cref="ITopicCatalog"/>, topic names, ids and
/// partition counts for KIP-848 subscriptions. Thread-safe; reads immutable snapshots and lock-free log offsets.
/// </summary>
public sealed class TopicRegistryPartitionView(TopicRegistry topics) : ITopicPartitionView, ITopicCatalog
{
    public IReadOnlyCollection<CatalogTopic> Topics => topics.All.Select(ToCatalog).ToList();

    public bool TryGetTopic(string name, out CatalogTopic topic)
    {
        var found = topics.TryGet(name, out var metadata);
        topic = found ? ToCatalog(metadata) : default;
        return found;
    }

    public bool TryGetTopic(Uuid topicId, out CatalogTopic topic)
    {
        var found = topics.TryGet(topicId, out var metadata);
        topic = found ? ToCatalog(metadata) : default;
        return found;
    }

    private static CatalogTopic ToCatalog(TopicMetadata metadata) =>
        new(metadata.Name, metadata.TopicId, metadata.PartitionCount, metadata.IsInternal);

    public bool Exists(string topic, int partition) =>
        topics.TryGet(topic, out var metadata) && partition >= 0 && partition < metadata.PartitionCount;

    public long? HighWatermark(string topic, int partition) =>
        topics.TryGetLog(topic, partition, out var log) ? log.HighWatermark : null;
}
