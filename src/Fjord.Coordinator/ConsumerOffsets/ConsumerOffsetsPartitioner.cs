namespace Fjord.Coordinator.ConsumerOffsets;

/// <summary>
/// Maps a group id to its <c>__consumer_offsets</c> partition exactly as Kafka does
/// (<c>Utils.abs(groupId.hashCode) % offsets.topic.num.partitions</c>), so that a group lands on the
/// same partition as in Kafka and tools that compute the coordinator agree. Thread-safe; pure.
/// </summary>
public static class ConsumerOffsetsPartitioner
{
    public const string TopicName = "__consumer_offsets";

    public static int PartitionFor(string groupId, int partitionCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partitionCount);
        return JavaAbs(JavaStringHashCode(groupId)) % partitionCount;
    }

    /// <summary>Java's <c>String.hashCode</c>: <c>s[0]*31^(n-1) + ... + s[n-1]</c> over UTF-16 code units, wrapping at 32 bits.</summary>
    public static int JavaStringHashCode(string value)
    {
        var hash = 0;
        foreach (var c in value)
        {
            hash = unchecked((31 * hash) + c);
        }

        return hash;
    }

    /// <summary>Kafka's <c>Utils.abs</c>: like Math.abs, but int.MinValue maps to 0 instead of staying negative.</summary>
    private static int JavaAbs(int value) => value == int.MinValue ? 0 : Math.Abs(value);
}
