namespace Fjord.Coordinator.Transactions;

/// <summary>A partition that takes part in a transaction (a data partition or a <c>__consumer_offsets</c> partition). Immutable.</summary>
public readonly record struct TransactionPartition(string Topic, int Partition) : IComparable<TransactionPartition>
{
    public int CompareTo(TransactionPartition other)
    {
        var byTopic = string.CompareOrdinal(Topic, other.Topic);
        return byTopic != 0 ? byTopic : Partition.CompareTo(other.Partition);
    }

    public override string ToString() => $"{Topic}-{Partition}";
}
