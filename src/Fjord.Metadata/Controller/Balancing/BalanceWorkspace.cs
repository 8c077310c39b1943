using System.Collections.Immutable;

namespace Fjord.Metadata.Balancing;

/// <summary>
/// The balance planner's scratch state: every partition's replica list as the plan has changed it so far, and the
/// replicas, preferred leaderships and bytes each target broker holds under it. Every change goes through
/// <see cref="Replace"/>, <see cref="PromoteToLeader"/>, <see cref="AddReplica"/> or <see cref="RemoveReplica"/>,
/// which keep those totals in step. Not thread-safe; lives for
/// one <see cref="BalancePlanner.Plan"/> call.
/// </summary>
internal sealed class BalanceWorkspace
{
    private readonly Dictionary<int, BalanceBroker> _brokers;
    private readonly Dictionary<int, int> _replicaCounts = [];
    private readonly Dictionary<int, int> _leaderCounts = [];
    private readonly Dictionary<int, long> _bytes = [];
    private readonly Dictionary<int, SortedSet<int>> _hosted = [];

    public BalanceWorkspace(BalanceInput input)
    {
        _brokers = input.Brokers.ToDictionary(b => b.Id);
        Targets = [.. input.Brokers.Where(b => b.IsTarget).Select(b => b.Id).Order()];
        TargetRacks = [.. Targets.Select(RackOf).Distinct()];
        foreach (var id in Targets)
        {
            _replicaCounts[id] = 0;
            _leaderCounts[id] = 0;
            _bytes[id] = 0;
            _hosted[id] = [];
        }
        Partitions = [.. input.Partitions];
        Replicas = [.. input.Partitions.Select(p => p.Replicas.ToArray())];
        for (var i = 0; i < Partitions.Length; i++)
            for (var position = 0; position < Replicas[i].Length; position++)
                Count(i, Replicas[i][position], position == 0, +1);
    }

    /// <summary>The partitions, in input order; indexes into <see cref="Replicas"/>.</summary>
    public ImmutableArray<BalancePartition> Partitions { get; }

    /// <summary>Each partition's replicas as planned so far (preferred leader first).</summary>
    public int[][] Replicas { get; }

    /// <summary>Brokers that receive replicas and count towards the balance, by id.</summary>
    public ImmutableArray<int> Targets { get; }

    /// <summary>The distinct racks of <see cref="Targets"/>.</summary>
    public ImmutableHashSet<string> TargetRacks { get; }

    public int ReplicaCount(int broker) => _replicaCounts[broker];

    public int LeaderCount(int broker) => _leaderCounts[broker];

    public long Bytes(int broker) => _bytes[broker];

    /// <summary>Indexes of the partitions a target broker holds, ascending.</summary>
    public IReadOnlyCollection<int> Hosted(int broker) => _hosted[broker];

    public bool IsTarget(int broker) => _brokers.TryGetValue(broker, out var b) && b.IsTarget;

    public bool IsDraining(int broker) => _brokers.TryGetValue(broker, out var b) && b.Draining;

    public string RackOf(int broker) => _brokers.TryGetValue(broker, out var b) ? b.RackKey : BalanceBroker.RackKeyOf(broker);

    /// <summary>How many distinct racks the replicas span.</summary>
    public int RackCount(IEnumerable<int> replicas) => replicas.Select(RackOf).Distinct().Count();

    /// <summary>
    /// Whether partition <paramref name="index"/>'s replica on <paramref name="from"/> may move to target broker
    /// <paramref name="to"/>: the partition is not already being reassigned, <paramref name="to"/> does not hold it
    /// yet, and the replicas span no fewer racks afterwards.
    /// </summary>
    public bool CanMove(int index, int from, int to)
    {
        var replicas = Replicas[index];
        if (Partitions[index].Reassigning || !IsTarget(to) || replicas.Contains(to)) return false;
        var before = RackCount(replicas);
        var after = RackCount(replicas.Select(r => r == from ? to : r));
        return after >= before;
    }

    /// <summary>Moves partition <paramref name="index"/>'s replica from one broker to another, in the same position of the list.</summary>
    public void Replace(int index, int from, int to)
    {
        var replicas = Replicas[index];
        var position = Array.IndexOf(replicas, from);
        Count(index, from, position == 0, -1);
        replicas[position] = to;
        Count(index, to, position == 0, +1);
    }

    /// <summary>Gives partition <paramref name="index"/> one more replica, on <paramref name="broker"/>, last in the list.</summary>
    public void AddReplica(int index, int broker)
    {
        Replicas[index] = [.. Replicas[index], broker];
        Count(index, broker, false, +1);
    }

    /// <summary>Takes partition <paramref name="index"/>'s replica off <paramref name="broker"/>; the next replica becomes preferred leader if it was.</summary>
    public void RemoveReplica(int index, int broker)
    {
        var replicas = Replicas[index];
        var position = Array.IndexOf(replicas, broker);
        Count(index, broker, position == 0, -1);
        Replicas[index] = [.. replicas.Where(r => r != broker)];
        if (position == 0 && _leaderCounts.ContainsKey(Replicas[index][0])) _leaderCounts[Replicas[index][0]]++;
    }

    /// <summary>Makes <paramref name="broker"/> partition <paramref name="index"/>'s preferred leader (the previous one takes its place in the list).</summary>
    public void PromoteToLeader(int index, int broker)
    {
        var replicas = Replicas[index];
        var position = Array.IndexOf(replicas, broker);
        var previous = replicas[0];
        if (_leaderCounts.ContainsKey(previous)) _leaderCounts[previous]--;
        if (_leaderCounts.ContainsKey(broker)) _leaderCounts[broker]++;
        (replicas[0], replicas[position]) = (broker, previous);
    }

    private void Count(int index, int broker, bool leader, int sign)
    {
        if (!_replicaCounts.ContainsKey(broker)) return;
        _replicaCounts[broker] += sign;
        _bytes[broker] += sign * Partitions[index].SizeBytes;
        if (leader) _leaderCounts[broker] += sign;
        if (sign > 0) _hosted[broker].Add(index);
        else _hosted[broker].Remove(index);
    }

    /// <summary>Each registered broker's load under the given replica lists.</summary>
    public ImmutableArray<BrokerLoad> Loads(IReadOnlyList<IReadOnlyList<int>> replicas)
    {
        var counts = new Dictionary<int, (int Replicas, int Leaders, long Bytes)>();
        for (var i = 0; i < replicas.Count; i++)
            for (var position = 0; position < replicas[i].Count; position++)
            {
                var (r, l, b) = counts.GetValueOrDefault(replicas[i][position]);
                counts[replicas[i][position]] = (r + 1, l + (position == 0 ? 1 : 0), b + Partitions[i].SizeBytes);
            }
        return [.. _brokers.Values.OrderBy(b => b.Id).Select(b =>
        {
            var (r, l, bytes) = counts.GetValueOrDefault(b.Id);
            return new BrokerLoad(b.Id, b.Rack, r, l, bytes, b.Draining);
        })];
    }
}
