using System.Collections.Immutable;
using Fjord.Metadata.Balancing;
using Xunit.Abstractions;

namespace Fjord.Metadata.Tests.Balancing;

public sealed class BalancePlannerTests(ITestOutputHelper output)
{
    private const int Seeds = 300;

    public static TheoryData<bool, bool> Shapes => new() { { false, false }, { true, false }, { false, true }, { true, true } };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Plan_OnRandomClusters_KeepsReplicationFactorDistinctBrokersAndRackSpread(bool racks, bool fencedOrDraining)
    {
        ForEachSeed(racks, fencedOrDraining, (input, plan) =>
        {
            var brokers = input.Brokers.ToDictionary(b => b.Id);
            var targetRacks = input.Brokers.Where(b => b.IsTarget).Select(b => b.RackKey).Distinct().Count();
            var moved = plan.Moves.ToDictionary(m => (m.Topic, m.Partition));
            foreach (var p in input.Partitions)
            {
                var after = moved.TryGetValue((p.Topic, p.Partition), out var m) ? m.TargetReplicas : p.Replicas;
                Check(after.Length == p.Replicas.Length, $"{p.Topic}-{p.Partition} RF {p.Replicas.Length} -> {after.Length}");
                Check(after.Distinct().Count() == after.Length, $"{p.Topic}-{p.Partition} repeats a broker: [{string.Join(",", after)}]");
                Check(after.Except(p.Replicas).All(b => brokers[b].IsTarget), $"{p.Topic}-{p.Partition} gained a replica on a non-target broker");
                if (p.Reassigning) Check(m is null, $"{p.Topic}-{p.Partition} is being reassigned but was moved");
                else if (after.All(b => brokers[b].IsTarget))
                {
                    var spread = after.Select(b => brokers[b].RackKey).Distinct().Count();
                    Check(spread >= Math.Min(after.Length, targetRacks),
                        $"{p.Topic}-{p.Partition} spans {spread} racks with {targetRacks} available: [{string.Join(",", after)}]");
                }
            }
        });
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Plan_AppliedThenPlannedAgain_HasNothingLeftToMove(bool racks, bool fencedOrDraining)
    {
        ForEachSeed(racks, fencedOrDraining, (input, plan) =>
        {
            var again = BalancePlanner.Plan(RandomBalanceCluster.Apply(input, plan));
            Check(again.Moves.IsEmpty, $"second plan moves {again.Moves.Length}: {string.Join("; ", again.Moves.Take(5))}");
            Check(again.Unplaceable.SequenceEqual(plan.Unplaceable), "second plan reports other unplaceable replicas");
        });
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Plan_SameClusterInAnyBrokerOrder_IsTheSamePlan(bool racks, bool fencedOrDraining)
    {
        ForEachSeed(racks, fencedOrDraining, (input, plan) =>
        {
            var shuffled = input with { Brokers = [.. input.Brokers.Reverse()] };
            var other = BalancePlanner.Plan(shuffled);
            Check(other.Moves.SequenceEqual(plan.Moves, MoveComparer.Instance), "the plan depends on the brokers' order");
            Check(BalancePlanner.Plan(input).Moves.SequenceEqual(plan.Moves, MoveComparer.Instance), "planning twice gave two plans");
        });
    }

    [Fact]
    public void Plan_WithoutRacksOrFencedBrokers_EvensReplicasAndLeadersToWithinOneWhenTheyCanMove()
    {
        var worstBytes = 0.0;
        ForEachSeed(racks: false, fencedOrDraining: false, (input, plan) =>
        {
            var movable = input.Partitions.All(p => !p.Reassigning);
            // With RF 1 a leadership cannot move without its replica, so leaders even out only with RF 2 or more.
            var leadersMovable = movable && input.Partitions.All(p => p.Replicas.Length > 1);
            var after = plan.After;
            Check(after.Max(l => l.Replicas) - after.Min(l => l.Replicas) <= 1 || !movable,
                $"replicas per broker after: {string.Join(",", after.Select(l => l.Replicas))}");
            Check(after.Max(l => l.Leaders) - after.Min(l => l.Leaders) <= 1 || !leadersMovable,
                $"leaders per broker after: {string.Join(",", after.Select(l => l.Leaders))}");
            var mean = after.Average(l => (double)l.Bytes);
            if (mean > 0) worstBytes = Math.Max(worstBytes, (after.Max(l => l.Bytes) - after.Min(l => l.Bytes)) / mean);
        });
        output.WriteLine($"worst (max-min)/mean bytes per broker after a plan over {Seeds} seeds: {worstBytes:P1}");
    }

    [Fact]
    public void Plan_WithDrainingBrokers_LeavesThemEmptyUnlessEveryTargetHoldsThePartition()
    {
        for (var seed = 0; seed < Seeds; seed++)
        {
            var input = RandomBalanceCluster.Generate(seed, racks: seed % 2 == 0, fencedOrDraining: false);
            input = input with { Partitions = [.. input.Partitions.Select(p => p with { Reassigning = false })] };
            var draining = input.Brokers.Max(b => b.Id);
            input = input with { Brokers = [.. input.Brokers.Select(b => b.Id == draining ? b with { Draining = true } : b)] };
            foreach (var mode in new[] { BalanceMode.DrainOnly, BalanceMode.Full })
            {
                var plan = BalancePlanner.Plan(input, new BalanceOptions(mode));
                var after = plan.After.Single(l => l.BrokerId == draining);
                Assert.True(after.Replicas == plan.Unplaceable.Length, $"seed {seed} {mode}: broker {draining} keeps {after.Replicas} replicas, {plan.Unplaceable.Length} reported");
                var targets = input.Brokers.Count(b => b.IsTarget);
                foreach (var u in plan.Unplaceable)
                    Assert.True(input.Partitions.Single(p => p.Topic == u.Topic && p.Partition == u.Partition).Replicas.Length > targets,
                        $"seed {seed} {mode}: {u} was reported unplaceable although a target broker could take it");
                if (mode == BalanceMode.DrainOnly)
                    Assert.True(plan.Moves.All(m => m.Replicas.Contains(draining)), $"seed {seed}: drain-only moved a partition not on broker {draining}");
            }
        }
    }

    [Fact]
    public void Plan_AfterAddingOneEmptyBroker_MovesAboutItsShareAndNoMore()
    {
        long moved = 0, ideal = 0;
        var worstSeed = (Seed: -1, Ratio: 0.0);
        for (var seed = 0; seed < Seeds; seed++)
        {
            var start = RandomBalanceCluster.Generate(seed, racks: false, fencedOrDraining: false);
            start = start with { Partitions = [.. start.Partitions.Select(p => p with { Reassigning = false })] };
            var balanced = RandomBalanceCluster.Apply(start, BalancePlanner.Plan(start));
            var added = balanced.Brokers.Max(b => b.Id) + 1;
            var grown = balanced with { Brokers = balanced.Brokers.Add(new BalanceBroker(added, null)) };
            var plan = BalancePlanner.Plan(grown);
            var share = balanced.Partitions.Sum(p => p.SizeBytes * p.Replicas.Length) / grown.Brokers.Length;
            // The new broker's byte share must arrive; more than that is what evening out bytes costs on top.
            var fairShare = balanced.Partitions.Sum(p => p.Replicas.Length) / grown.Brokers.Length;
            Assert.True(plan.After.Single(l => l.BrokerId == added).Replicas >= fairShare,
                $"seed {seed}: the new broker received fewer than its {fairShare} replicas");
            moved += plan.BytesToMove;
            ideal += share;
            if ((double)plan.BytesToMove / share > worstSeed.Ratio) worstSeed = (seed, (double)plan.BytesToMove / share);
        }
        output.WriteLine($"bytes moved to fill a new broker over {Seeds} seeds: {moved} vs its byte share {ideal} ({(double)moved / ideal:F2}x); worst seed {worstSeed.Seed}: {worstSeed.Ratio:F2}x");
        Assert.True(moved <= 2 * ideal, $"moved {moved} bytes in all for new brokers' shares of {ideal}");
    }

    [Fact]
    public void Plan_WithThreeRacksOfUnequalSize_KeepsEveryPartitionInThreeRacks()
    {
        BalanceBroker[] brokers = [new(0, "a"), new(1, "a"), new(2, "a"), new(3, "b"), new(4, "c"), new(5, "c")];
        var partitions = Enumerable.Range(0, 30).Select(p => new BalancePartition("t", p, [0, 1, 2], 1000 + p)).ToImmutableArray();
        var plan = BalancePlanner.Plan(new BalanceInput([.. brokers], partitions));
        var racks = brokers.ToDictionary(b => b.Id, b => b.Rack);
        var targets = plan.Moves.ToDictionary(m => m.Partition, m => m.TargetReplicas);
        foreach (var p in partitions)
            Assert.Equal(3, targets[p.Partition].Select(b => racks[b]).Distinct().Count());
        Assert.Equal(30, plan.After.Single(l => l.BrokerId == 3).Replicas);
    }

    [Fact]
    public void Plan_OnABalancedCluster_MovesNothing()
    {
        var partitions = Enumerable.Range(0, 6).Select(p => new BalancePartition("t", p, [p % 3, (p + 1) % 3], 5000)).ToImmutableArray();
        var plan = BalancePlanner.Plan(new BalanceInput([new(0, null), new(1, null), new(2, null)], partitions));
        Assert.Empty(plan.Moves);
    }

    private void ForEachSeed(bool racks, bool fencedOrDraining, Action<BalanceInput, BalancePlan> check)
    {
        var failures = new List<string>();
        long moves = 0, bytes = 0;
        for (var seed = 0; seed < Seeds; seed++)
        {
            var input = RandomBalanceCluster.Generate(seed, racks, fencedOrDraining);
            var plan = BalancePlanner.Plan(input);
            moves += plan.Moves.Length;
            bytes += plan.BytesToMove;
            try { check(input, plan); }
            catch (BalanceCheckException e) { failures.Add($"seed {seed} (racks={racks}, fencedOrDraining={fencedOrDraining}): {e.Message}"); }
        }
        output.WriteLine($"{Seeds} seeds: {moves} moves, {bytes} bytes to move");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
    }

    private static void Check(bool condition, string message)
    {
        if (!condition) throw new BalanceCheckException(message);
    }

    private sealed class MoveComparer : IEqualityComparer<PartitionMove>
    {
        public static readonly MoveComparer Instance = new();

        public bool Equals(PartitionMove? x, PartitionMove? y) =>
            x is not null && y is not null && x.Topic == y.Topic && x.Partition == y.Partition && x.TargetReplicas.SequenceEqual(y.TargetReplicas);

        public int GetHashCode(PartitionMove obj) => HashCode.Combine(obj.Topic, obj.Partition);
    }
}
