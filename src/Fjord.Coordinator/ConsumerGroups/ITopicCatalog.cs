using Fjord.Protocol;

namespace Fjord.Coordinator.ConsumerGroups;

/// <summary>
/// What the consumer-group coordinator observes of the topics: names, ids and partition counts, to
/// resolve subscriptions (by name and by regular expression) and to name assignments by topic id.
/// Implemented by the broker over its topic catalogue. Implementations must be thread-safe and must not block.
/// </summary>
public interface ITopicCatalog
{
    /// <summary>Every topic that exists now, internal ones included.</summary>
    IReadOnlyCollection<CatalogTopic> Topics { get; }

    bool TryGetTopic(string name, out CatalogTopic topic);

    bool TryGetTopic(Uuid topicId, out CatalogTopic topic);
}

/// <summary>One topic as the catalogue sees it. Immutable.</summary>
public readonly record struct CatalogTopic(string Name, Uuid TopicId, int PartitionCount, bool IsInternal);
