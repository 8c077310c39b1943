using Fjord.Coordinator.ConsumerGroups;
using Fjord.Protocol;

namespace Fjord.Coordinator.Tests;

/// <summary>A mutable topic catalogue for KIP-848 tests: topics can be created and grown between heartbeats. Not thread-safe.</summary>
internal sealed class TestTopicCatalog : ITopicPartitionView, ITopicCatalog
{
    private readonly Dictionary<string, CatalogTopic> _byName = new(StringComparer.Ordinal);
    private long _nextId = 1;

    public IReadOnlyCollection<CatalogTopic> Topics => _byName.Values.ToList();

    public Uuid Create(string name, int partitions, bool isInternal = false)
    {
        var id = new Uuid(0x1000 + _nextId, _nextId++);
        _byName[name] = new CatalogTopic(name, id, partitions, isInternal);
        return id;
    }

    public void Grow(string name, int partitions) => _byName[name] = _byName[name] with { PartitionCount = partitions };

    public Uuid Id(string name) => _byName[name].TopicId;

    public bool TryGetTopic(string name, out CatalogTopic topic) => _byName.TryGetValue(name, out topic);

    public bool TryGetTopic(Uuid topicId, out CatalogTopic topic)
    {
        foreach (var candidate in _byName.Values)
        {
            if (candidate.TopicId == topicId)
            {
                topic = candidate;
                return true;
            }
        }

        topic = default;
        return false;
    }

    public bool Exists(string topic, int partition) => _byName.TryGetValue(topic, out var found) && partition >= 0 && partition < found.PartitionCount;

    public long? HighWatermark(string topic, int partition) => null;
}
