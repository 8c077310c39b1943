using System.Collections.Immutable;
using Fjord.Metadata.Balancing;

namespace Fjord.Metadata.Tests.Balancing;

/// <summary>
/// Seeded random clusters for the balance planner: 3–9 brokers (sometimes with 2–4 racks, sometimes a fenced or
/// draining broker), topics of 1–24 partitions with RF 1–3, sizes spread over three orders of magnitude, and a
/// skewed starting placement (only the first brokers hold replicas, as after a scale-out), sometimes with a
/// reassignment in progress. Not thread-safe.
/// </summary>
internal static class RandomBalanceCluster
{
    public static BalanceInput Generate(int seed, bool racks, bool fencedOrDraining)
    {
        var rng = new Random(seed);
        var brokerCount = 3 + rng.Next(7);
        var rackCount = racks ? 2 + rng.Next(3) : 0;
        var brokers = new List<BalanceBroker>();
        for (var id = 0; id < brokerCount; id++)
            brokers.Add(new BalanceBroker(id, racks ? $"rack-{id % rackCount}" : null));
        if (fencedOrDraining)
        {
            var victim = rng.Next(brokerCount);
            brokers[victim] = rng.Next(2) == 0 ? brokers[victim] with { Usable = false } : brokers[victim] with { Draining = true };
        }
        // The first brokers hold everything, as if the rest were just added.
        var populated = Math.Max(3, brokerCount - rng.Next(brokerCount - 2));
        var partitions = ImmutableArray.CreateBuilder<BalancePartition>();
        var topics = 1 + rng.Next(6);
        for (var t = 0; t < topics; t++)
        {
            var rf = 1 + rng.Next(3);
            var count = 1 + rng.Next(24);
            var baseSize = (long)Math.Pow(10, 3 + rng.Next(3));
            for (var p = 0; p < count; p++)
            {
                var replicas = Enumerable.Range(0, populated).OrderBy(_ => rng.Next()).Take(rf).ToImmutableArray();
                var size = baseSize * (1 + rng.Next(100));
                partitions.Add(new BalancePartition($"topic-{t}", p, replicas, size, Reassigning: rng.Next(40) == 0));
            }
        }
        return new BalanceInput([.. brokers], partitions.ToImmutable());
    }

    /// <summary>The input with every move of <paramref name="plan"/> done.</summary>
    public static BalanceInput Apply(BalanceInput input, BalancePlan plan)
    {
        var targets = plan.Moves.ToDictionary(m => (m.Topic, m.Partition), m => m.TargetReplicas);
        return input with
        {
            Partitions = [.. input.Partitions.Select(p => targets.TryGetValue((p.Topic, p.Partition), out var t) ? p with { Replicas = t } : p)],
        };
    }
}
