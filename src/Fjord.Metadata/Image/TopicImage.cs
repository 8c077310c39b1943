using System.Collections.Immutable;

namespace Fjord.Metadata;

/// <summary>One topic: name, id and partitions by index. Immutable; safe on any thread.</summary>
public sealed record TopicImage(string Name, Guid Id, ImmutableSortedDictionary<int, PartitionRegistration> Partitions)
{
    /// <summary>A topic with no partitions yet (a TopicRecord before its PartitionRecords).</summary>
    public static TopicImage Create(string name, Guid id) => new(name, id, ImmutableSortedDictionary<int, PartitionRegistration>.Empty);
}
