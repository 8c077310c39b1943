using System.Collections.Immutable;

namespace Fjord.Metadata.Balancing;

/// <summary>What the balance planner plans from: every registered broker and every partition. Immutable.</summary>
public sealed record BalanceInput(ImmutableArray<BalanceBroker> Brokers, ImmutableArray<BalancePartition> Partitions)
{
    /// <summary>
    /// The planner's view of <paramref name="image"/>: registered brokers (fenced or shutting-down ones are not
    /// targets; <paramref name="draining"/> ones lose their replicas), every partition with its (target) replicas,
    /// its current leader, and sizes from <paramref name="sizes"/> keyed by (topic, partition); a missing size counts as 0 bytes.
    /// </summary>
    public static BalanceInput FromImage(MetadataImage image, IReadOnlyDictionary<(string Topic, int Partition), long> sizes, IReadOnlyCollection<int> draining)
    {
        var brokers = image.Brokers.Values
            .Select(b => new BalanceBroker(b.Id, b.Rack, b.IsEligibleReplica, draining.Contains(b.Id)))
            .ToImmutableArray();
        var partitions = ImmutableArray.CreateBuilder<BalancePartition>();
        foreach (var topic in image.TopicsById.Values.OrderBy(t => t.Name, StringComparer.Ordinal))
            foreach (var (index, p) in topic.Partitions)
                partitions.Add(new BalancePartition(topic.Name, index, p.TargetReplicas, sizes.GetValueOrDefault((topic.Name, index)), p.IsReassigning, p.Leader));
        return new BalanceInput(brokers, partitions.ToImmutable());
    }
}
