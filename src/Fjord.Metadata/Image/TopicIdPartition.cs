namespace Fjord.Metadata;

/// <summary>A partition named by topic id and index. Immutable value; safe on any thread.</summary>
public readonly record struct TopicIdPartition(Guid TopicId, int Partition) : IComparable<TopicIdPartition>
{
    /// <inheritdoc/>
    public int CompareTo(TopicIdPartition other)
    {
        var c = TopicId.CompareTo(other.TopicId);
        return c != 0 ? c : Partition.CompareTo(other.Partition);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{TopicId}-{Partition}";
}
