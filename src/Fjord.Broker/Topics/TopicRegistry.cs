using System.Collections.Frozen;
using Fjord.Protocol;
using Fjord.Storage;

namespace Fjord.Broker.Topics;

/// <summary>
/// The topics of the committed metadata image in the shape the data path reads them (name, id, partition count,
/// overrides), with this node's partition logs. Replaced whole by <see cref="Publishers.BrokerMetadataPublisher"/>
/// on the metadata log's apply loop; read lock-free from any thread, so Produce and Fetch never wait for it.
/// </summary>
public sealed class TopicRegistry(LogManager logs)
{
    private volatile Snapshot _snapshot = Snapshot.Empty;

    public IReadOnlyCollection<TopicMetadata> All => _snapshot.ByName.Values;

    public bool TryGet(string name, out TopicMetadata topic) => _snapshot.ByName.TryGetValue(name, out topic!);

    public bool TryGet(Uuid topicId, out TopicMetadata topic) => _snapshot.ById.TryGetValue(topicId, out topic!);

    public bool TryGetLog(string topic, int partition, out PartitionLog log) => logs.TryGetLog(new TopicPartition(topic, partition), out log!);

    /// <summary>Replaces every topic with those of a newly applied image. Called by the metadata publisher only.</summary>
    public void Replace(IEnumerable<TopicMetadata> topics)
    {
        var byName = topics.ToFrozenDictionary(t => t.Name, StringComparer.Ordinal);
        _snapshot = new Snapshot(byName, byName.Values.ToFrozenDictionary(t => t.TopicId));
    }

    private sealed record Snapshot(FrozenDictionary<string, TopicMetadata> ByName, FrozenDictionary<Uuid, TopicMetadata> ById)
    {
        public static readonly Snapshot Empty = new(FrozenDictionary<string, TopicMetadata>.Empty, FrozenDictionary<Uuid, TopicMetadata>.Empty);
    }
}
