using Fjord.Protocol;

namespace Fjord.Coordinator.ConsumerGroups;

/// <summary>One partition named by topic id, the way KIP-848 assignments name them. Immutable.</summary>
public readonly record struct TopicIdPartition(Uuid TopicId, int Partition) : IComparable<TopicIdPartition>
{
    public int CompareTo(TopicIdPartition other)
    {
        var byHigh = MostSignificant.CompareTo(other.MostSignificant);
        if (byHigh != 0)
        {
            return byHigh;
        }

        var byLow = TopicId.LeastSignificantBits.CompareTo(other.TopicId.LeastSignificantBits);
        return byLow != 0 ? byLow : Partition.CompareTo(other.Partition);
    }

    private long MostSignificant => TopicId.MostSignificantBits;
}
