using System.Collections.Immutable;

namespace Fjord.Metadata.Balancing;

/// <summary>
/// Plans a reassignment that evens out a cluster without Cruise Control (issue 16). Steps, each greedy and
/// deterministic (ties go to the lower broker id and the earlier partition):
/// <list type="number">
/// <item>Replication factors: each partition of a topic named in <see cref="BalanceOptions.ReplicationFactors"/>
/// gains replicas on the target brokers the goals want (a rack the partition does not use yet, then the fewest
/// replicas, then the fewest bytes), appended so the preferred leader stays, or loses the replicas they want gone
/// (on brokers that are not targets, then sharing a rack with another replica, then the most replicas and bytes)
/// but never the current leader, which becomes the preferred one. Only added replicas copy data, once each. A
/// factor above the number of target brokers is the caller's to refuse: the partition grows as far as it can.</item>
/// <item>Drain: every replica on a draining broker moves to the target broker with the fewest replicas, preferring
/// racks the partition does not use yet. A replica with nowhere to go stays and is reported: the replication factor
/// is never lowered.</item>
/// <item>Racks (KIP-36): a partition with two replicas in one rack while a target rack holds none of its replicas
/// gets one moved there.</item>
/// <item>Replicas: while two target brokers differ by two or more replicas, one moves from the fuller to the emptier,
/// choosing the partition whose size best halves their byte difference.</item>
/// <item>Bytes: while the heaviest and lightest target brokers differ by more than the tolerance, a move or a swap
/// of two partitions that halves their difference best runs; it must gain more than a quarter of the tolerance, so
/// small partitions are not shuffled for a negligible gain.</item>
/// <item>Leaders: while two target brokers differ by two or more preferred leaderships, leaderships shift from the
/// first to the second along a chain of partitions (each link makes one of the partition's replicas its preferred
/// leader), which moves no data.</item>
/// </list>
/// No move lowers the number of racks a partition spans, and no broker ever holds two replicas of a partition.
/// Steps 3 and 4 repeat until neither changes anything, so planning again on the result finds nothing to do.
/// Partitions already being reassigned count at their target and are left alone. Pure: safe on any thread.
/// </summary>
public static class BalancePlanner
{
    private const int MaxRounds = 50;

    /// <summary>Plans the reassignments that balance <paramref name="input"/>.</summary>
    public static BalancePlan Plan(BalanceInput input, BalanceOptions? options = null)
    {
        options ??= BalanceOptions.Default;
        var work = new BalanceWorkspace(input);
        var before = work.Loads([.. input.Partitions.Select(p => (IReadOnlyList<int>)p.Replicas)]);
        if (options.ReplicationFactors is { Count: > 0 } factors) ChangeReplicationFactors(work, factors);
        var unplaceable = Drain(work);
        if (options.Mode == BalanceMode.Full && work.Targets.Length > 0)
        {
            SpreadRacks(work);
            for (var round = 0; round < MaxRounds; round++)
            {
                var changed = EvenReplicas(work);
                changed |= EvenBytes(work, options.ByteImbalanceTolerance);
                if (!changed) break;
            }
            EvenLeaders(work);
        }

        var moves = ImmutableArray.CreateBuilder<PartitionMove>();
        for (var i = 0; i < work.Partitions.Length; i++)
        {
            var p = work.Partitions[i];
            if (!p.Replicas.SequenceEqual(work.Replicas[i]))
                moves.Add(new PartitionMove(p.Topic, p.Partition, p.Replicas, [.. work.Replicas[i]], p.SizeBytes));
        }
        var after = work.Loads([.. work.Replicas.Select(r => (IReadOnlyList<int>)r)]);
        return new BalancePlan(moves.ToImmutable(), before, after, unplaceable);
    }

    private static void ChangeReplicationFactors(BalanceWorkspace work, ImmutableDictionary<string, int> factors)
    {
        for (var i = 0; i < work.Partitions.Length; i++)
        {
            var p = work.Partitions[i];
            if (p.Reassigning || !factors.TryGetValue(p.Topic, out var factor)) continue;
            while (work.Replicas[i].Length < factor)
            {
                var racksInUse = work.Replicas[i].Select(work.RackOf).ToHashSet();
                var to = Best(work.Targets.Where(b => !work.Replicas[i].Contains(b)),
                    b => (racksInUse.Contains(work.RackOf(b)) ? 1 : 0, work.ReplicaCount(b), work.Bytes(b), b));
                if (to is not { } target) break;
                work.AddReplica(i, target);
            }
            if (work.Replicas[i].Length <= factor) continue;
            var keep = work.Replicas[i].Contains(p.Leader) ? p.Leader : work.Replicas[i][0];
            while (work.Replicas[i].Length > Math.Max(1, factor))
            {
                var replicas = work.Replicas[i];
                var from = Best(replicas.Where(r => r != keep), r => (
                    work.IsTarget(r) ? 1 : 0,
                    replicas.Count(o => o != r && work.RackOf(o) == work.RackOf(r)) > 0 ? 0 : 1,
                    work.IsTarget(r) ? -work.ReplicaCount(r) : 0,
                    work.IsTarget(r) ? -work.Bytes(r) : 0,
                    -r))!.Value;
                work.RemoveReplica(i, from);
            }
            if (work.Replicas[i][0] != keep) work.PromoteToLeader(i, keep);
        }
    }

    private static ImmutableArray<UnplaceableReplica> Drain(BalanceWorkspace work)
    {
        var unplaceable = ImmutableArray.CreateBuilder<UnplaceableReplica>();
        for (var i = 0; i < work.Partitions.Length; i++)
        {
            var p = work.Partitions[i];
            if (p.Reassigning) continue;
            foreach (var from in work.Replicas[i].Where(work.IsDraining).ToArray())
            {
                var racksInUse = work.Replicas[i].Where(r => r != from).Select(work.RackOf).ToHashSet();
                var to = Best(work.Targets.Where(b => !work.Replicas[i].Contains(b)),
                    b => (racksInUse.Contains(work.RackOf(b)) ? 1 : 0, work.ReplicaCount(b), work.Bytes(b), b));
                if (to is { } target) work.Replace(i, from, target);
                else unplaceable.Add(new UnplaceableReplica(p.Topic, p.Partition, from));
            }
        }
        return unplaceable.ToImmutable();
    }

    private static void SpreadRacks(BalanceWorkspace work)
    {
        for (var i = 0; i < work.Partitions.Length; i++)
        {
            if (work.Partitions[i].Reassigning) continue;
            while (true)
            {
                var replicas = work.Replicas[i];
                var racks = replicas.GroupBy(work.RackOf).ToDictionary(g => g.Key, g => g.Count());
                var from = Best(replicas.Where(r => work.IsTarget(r) && racks[work.RackOf(r)] > 1),
                    r => (-work.ReplicaCount(r), -work.Bytes(r), r));
                var to = Best(work.Targets.Where(b => !racks.ContainsKey(work.RackOf(b))),
                    b => (work.ReplicaCount(b), work.Bytes(b), b, 0));
                if (from is not { } f || to is not { } t) break;
                work.Replace(i, f, t);
            }
        }
    }

    private static bool EvenReplicas(BalanceWorkspace work)
    {
        var changed = false;
        while (TryEvenReplicasOnce(work)) changed = true;
        return changed;
    }

    private static bool TryEvenReplicasOnce(BalanceWorkspace work)
    {
        var sources = work.Targets.OrderByDescending(work.ReplicaCount).ThenByDescending(work.Bytes).ThenBy(b => b).ToArray();
        var destinations = work.Targets.OrderBy(work.ReplicaCount).ThenBy(work.Bytes).ThenBy(b => b).ToArray();
        foreach (var from in sources)
            foreach (var to in destinations)
            {
                if (work.ReplicaCount(from) - work.ReplicaCount(to) < 2) break;
                var half = (work.Bytes(from) - work.Bytes(to)) / 2.0;
                var index = Best(work.Hosted(from).Where(i => work.CanMove(i, from, to)), i =>
                {
                    var size = work.Partitions[i].SizeBytes;
                    return half > 0 ? (Math.Abs(size - half), size, i, 0) : (size, 0, i, 0);
                });
                if (index is not { } chosen) continue;
                work.Replace(chosen, from, to);
                return true;
            }
        return false;
    }

    private static bool EvenBytes(BalanceWorkspace work, double tolerance)
    {
        var mean = work.Targets.Average(b => (double)work.Bytes(b));
        var allowed = tolerance * mean;
        var changed = false;
        for (var step = 0; step < 10 * work.Partitions.Length + 100; step++)
        {
            var from = Best(work.Targets, b => (-work.Bytes(b), b, 0, 0))!.Value;
            var to = Best(work.Targets, b => (work.Bytes(b), b, 0, 0))!.Value;
            double difference = work.Bytes(from) - work.Bytes(to);
            if (difference <= allowed) break;
            if (BestByteExchange(work, from, to, difference) is not { } exchange) break;
            if (difference - exchange.Spread <= allowed / 4) break;
            work.Replace(exchange.Out, from, to);
            if (exchange.In is { } back) work.Replace(back, to, from);
            changed = true;
        }
        return changed;
    }

    /// <summary>
    /// The move of one partition from <paramref name="from"/> to <paramref name="to"/> (when that keeps the replica
    /// counts even) or the swap of two partitions between them that leaves the smallest byte difference; ties go
    /// to fewer bytes moved.
    /// </summary>
    private static (int Out, int? In, double Spread)? BestByteExchange(BalanceWorkspace work, int from, int to, double difference)
    {
        (int Out, int? In, double Spread, long Moved)? best = null;
        void Consider(int @out, int? @in, long shift, long moved)
        {
            if (shift <= 0 || shift >= difference) return;
            var spread = Math.Abs(difference - 2.0 * shift);
            if (best is null || spread < best.Value.Spread || (spread == best.Value.Spread && moved < best.Value.Moved))
                best = (@out, @in, spread, moved);
        }

        var outgoing = work.Hosted(from).Where(i => work.CanMove(i, from, to)).ToArray();
        if (work.ReplicaCount(from) > work.ReplicaCount(to))
            foreach (var i in outgoing)
                Consider(i, null, work.Partitions[i].SizeBytes, work.Partitions[i].SizeBytes);
        var incoming = work.Hosted(to).Where(j => work.CanMove(j, to, from)).ToArray();
        foreach (var i in outgoing)
            foreach (var j in incoming)
            {
                long x = work.Partitions[i].SizeBytes, y = work.Partitions[j].SizeBytes;
                Consider(i, j, x - y, x + y);
            }
        return best is { } b ? (b.Out, b.In, b.Spread) : null;
    }

    private static void EvenLeaders(BalanceWorkspace work)
    {
        for (var step = 0; step < 10 * work.Partitions.Length + 100; step++)
            if (!TryEvenLeadersOnce(work)) return;
    }

    /// <summary>
    /// Moves one preferred leadership's worth of load from a broker to one leading at least two fewer partitions,
    /// along the shortest chain of brokers where each leads a partition the next is a replica of (each link hands
    /// one leadership on, so only the chain's ends change count): a direct hand-over is not always possible.
    /// </summary>
    private static bool TryEvenLeadersOnce(BalanceWorkspace work)
    {
        foreach (var from in work.Targets.OrderByDescending(work.LeaderCount).ThenBy(b => b))
        {
            // Breadth-first over brokers; via[b] = (previous broker, partition it hands to b).
            var via = new Dictionary<int, (int Previous, int Partition)>();
            var queue = new Queue<int>([from]);
            var visited = new HashSet<int> { from };
            while (queue.Count > 0)
            {
                var node = queue.Dequeue();
                foreach (var i in work.Hosted(node))
                {
                    var replicas = work.Replicas[i];
                    if (replicas[0] != node || work.Partitions[i].Reassigning) continue;
                    foreach (var next in replicas)
                    {
                        if (!work.IsTarget(next) || !visited.Add(next)) continue;
                        via[next] = (node, i);
                        if (work.LeaderCount(from) - work.LeaderCount(next) >= 2)
                        {
                            for (var b = next; b != from; b = via[b].Previous)
                                work.PromoteToLeader(via[b].Partition, b);
                            return true;
                        }
                        queue.Enqueue(next);
                    }
                }
            }
        }
        return false;
    }

    /// <summary>The candidate with the smallest key, or null when there is none.</summary>
    private static int? Best<TKey>(IEnumerable<int> candidates, Func<int, TKey> key) where TKey : IComparable<TKey>
    {
        int? best = null;
        TKey bestKey = default!;
        foreach (var c in candidates)
        {
            var k = key(c);
            if (best is null || k.CompareTo(bestKey) < 0) { best = c; bestKey = k; }
        }
        return best;
    }
}
