using System.Collections.Immutable;
using Fjord.Metadata.Balancing;
using Xunit.Abstractions;

namespace Fjord.Metadata.Tests.Balancing;

/// <summary>Replication-factor changes planned by the balancer, over seeded random clusters and by example.</summary>
public sealed class BalancePlannerReplicationFactorTests(ITestOutputHelper output)
{
    private const int Seeds = 300;

    public static TheoryData<bool, bool, BalanceMode> Shapes
    {
        get
        {
            var data = new TheoryData<bool, bool, BalanceMode>();
            foreach (var mode in new[] { BalanceMode.DrainOnly, BalanceMode.Full })
                foreach (var racks in new[] { false, true })
                    foreach (var fenced in new[] { false, true })
                        data.Add(racks, fenced, mode);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Plan_WithATargetFactor_GivesExactlyThatManyReplicasOnDistinctTargetBrokersAcrossRacks(bool racks, bool fencedOrDraining, BalanceMode mode)
    {
        var failures = new List<string>();
        long grown = 0, shrunk = 0;
        for (var seed = 0; seed < Seeds; seed++)
        {
            var (input, factors) = WithFactors(RandomBalanceCluster.Generate(seed, racks, fencedOrDraining), seed);
            var plan = BalancePlanner.Plan(input, new BalanceOptions(mode, ReplicationFactors: factors));
            var brokers = input.Brokers.ToDictionary(b => b.Id);
            var targetRacks = input.Brokers.Where(b => b.IsTarget).Select(b => b.RackKey).Distinct().Count();
            var moved = plan.Moves.ToDictionary(m => (m.Topic, m.Partition));
            foreach (var p in input.Partitions)
            {
                var after = moved.TryGetValue((p.Topic, p.Partition), out var m) ? m.TargetReplicas : p.Replicas;
                var name = $"seed {seed} {p.Topic}-{p.Partition} [{string.Join(",", p.Replicas)}] -> [{string.Join(",", after)}]";
                int RackSpread(IEnumerable<int> replicas) => replicas.Select(b => brokers[b].RackKey).Distinct().Count();
                if (after.Distinct().Count() != after.Length) failures.Add($"{name}: a broker holds two replicas");
                if (after.Except(p.Replicas).Any(b => !brokers[b].IsTarget)) failures.Add($"{name}: a replica was added on a non-target broker");
                if (p.Reassigning)
                {
                    if (m is not null) failures.Add($"{name}: moved while being reassigned");
                    continue;
                }
                if (!factors.TryGetValue(p.Topic, out var factor))
                {
                    if (mode == BalanceMode.DrainOnly && m is not null && !p.Replicas.Any(b => brokers[b].Draining))
                        failures.Add($"{name}: drain-only changed a topic no factor names");
                    continue;
                }
                if (after.Length != factor) failures.Add($"{name}: RF {after.Length}, wanted {factor}");
                // Full mode evens out leaders afterwards; drain-only changes nothing else.
                if (mode == BalanceMode.DrainOnly && factor < p.Replicas.Length && p.Replicas.Contains(p.Leader) && !brokers[p.Leader].Draining && after[0] != p.Leader)
                    failures.Add($"{name}: the leader {p.Leader} is not kept as preferred leader");
                if (after.All(b => brokers[b].IsTarget) && p.Replicas.All(b => brokers[b].IsTarget))
                {
                    // Racks the partition used, plus one per replica added, up to the racks there are.
                    var wanted = mode == BalanceMode.Full
                        ? Math.Min(factor, targetRacks)
                        : Math.Min(Math.Min(factor, targetRacks), RackSpread(p.Replicas) + Math.Max(0, factor - p.Replicas.Length));
                    if (RackSpread(after) < wanted) failures.Add($"{name}: spans {RackSpread(after)} racks, wanted {wanted}");
                }
                if (factor > p.Replicas.Length) grown++;
                if (factor < p.Replicas.Length) shrunk++;
            }
        }
        output.WriteLine($"{Seeds} seeds: {grown} partitions grown, {shrunk} shrunk");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
    }

    [Fact]
    public void Plan_DrainOnlyWithAFactor_CopiesEachAddedReplicaOnceAndNothingElse()
    {
        for (var seed = 0; seed < Seeds; seed++)
        {
            var (input, factors) = WithFactors(RandomBalanceCluster.Generate(seed, racks: seed % 2 == 0, fencedOrDraining: false), seed);
            var plan = BalancePlanner.Plan(input, new BalanceOptions(BalanceMode.DrainOnly, ReplicationFactors: factors));
            var needed = input.Partitions
                .Where(p => !p.Reassigning && factors.TryGetValue(p.Topic, out var f) && f > p.Replicas.Length)
                .Sum(p => p.SizeBytes * (factors[p.Topic] - p.Replicas.Length));
            Assert.True(needed == plan.BytesToMove, $"seed {seed}: the plan copies {plan.BytesToMove} bytes, the new replicas need {needed}");
            Assert.True(plan.Moves.All(m => m.TargetReplicas.Intersect(m.Replicas).Count() == Math.Min(m.Replicas.Length, m.TargetReplicas.Length)),
                $"seed {seed}: a replica moved instead of being only added or removed");
        }
    }

    [Fact]
    public void Plan_GrowingToThree_PutsNewReplicasInUnusedRacksOnTheLeastLoadedBrokers()
    {
        // Broker 1 shares rack a with the leader; 2 and 4 are in racks b and c, and 4 holds less than 3.
        BalanceBroker[] brokers = [new(0, "a"), new(1, "a"), new(2, "b"), new(3, "c"), new(4, "c")];
        ImmutableArray<BalancePartition> partitions =
        [
            new("t", 0, [0], 1000, Leader: 0),
            new("other", 0, [3], 50_000, Leader: 3),
        ];
        var plan = BalancePlanner.Plan(new BalanceInput([.. brokers], partitions),
            new BalanceOptions(BalanceMode.DrainOnly, ReplicationFactors: ImmutableDictionary<string, int>.Empty.Add("t", 3)));
        var move = Assert.Single(plan.Moves);
        Assert.Equal([0, 2, 4], move.TargetReplicas.ToArray());
        Assert.Equal(2000, move.BytesMoved);
    }

    [Fact]
    public void Plan_ShrinkingToOne_KeepsTheCurrentLeaderEvenWhenItIsNotPreferred()
    {
        BalanceBroker[] brokers = [new(0, null), new(1, null), new(2, null)];
        ImmutableArray<BalancePartition> partitions = [new("t", 0, [0, 1, 2], 1000, Leader: 2)];
        var plan = BalancePlanner.Plan(new BalanceInput([.. brokers], partitions),
            new BalanceOptions(BalanceMode.DrainOnly, ReplicationFactors: ImmutableDictionary<string, int>.Empty.Add("t", 1)));
        var move = Assert.Single(plan.Moves);
        Assert.Equal([2], move.TargetReplicas.ToArray());
        Assert.False(move.CopiesData);
        Assert.Equal(0, plan.BytesToMove);
    }

    [Fact]
    public void Plan_ShrinkingToTwo_DropsTheReplicaThatSharesARack()
    {
        BalanceBroker[] brokers = [new(0, "a"), new(1, "b"), new(2, "b")];
        ImmutableArray<BalancePartition> partitions = [new("t", 0, [1, 2, 0], 1000, Leader: 1)];
        var plan = BalancePlanner.Plan(new BalanceInput([.. brokers], partitions),
            new BalanceOptions(BalanceMode.DrainOnly, ReplicationFactors: ImmutableDictionary<string, int>.Empty.Add("t", 2)));
        Assert.Equal([1, 0], Assert.Single(plan.Moves).TargetReplicas.ToArray());
    }

    /// <summary>The input with a random current leader per partition, and a target factor (1 to the target brokers, at most 4) for about half the topics.</summary>
    private static (BalanceInput Input, ImmutableDictionary<string, int> Factors) WithFactors(BalanceInput input, int seed)
    {
        var rng = new Random(seed ^ 0x5f3759df);
        var targets = input.Brokers.Count(b => b.IsTarget);
        var withLeaders = input with { Partitions = [.. input.Partitions.Select(p => p with { Leader = p.Replicas[rng.Next(p.Replicas.Length)] })] };
        var factors = input.Partitions.Select(p => p.Topic).Distinct()
            .Where(_ => rng.Next(2) == 0)
            .ToImmutableDictionary(t => t, _ => 1 + rng.Next(Math.Min(4, targets)));
        return (withLeaders, factors);
    }
}
