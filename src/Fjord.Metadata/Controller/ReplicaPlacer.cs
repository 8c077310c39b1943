namespace Fjord.Metadata;

/// <summary>
/// Chooses replicas for new partitions: each partition's leader is the usable broker leading the fewest
/// partitions, and followers are added one by one from racks the partition does not use yet, then by
/// fewest replicas hosted (Kafka's StripedReplicaPlacer has the same goals: spread leaders, spread load,
/// one replica per rack while racks remain; KIP-36 for racks). Ties go to the lowest broker id, so the
/// result is deterministic. A broker without a rack counts as a rack of its own.
/// Not thread-safe; lives for one controller command.
/// </summary>
internal sealed class ReplicaPlacer
{
    private readonly List<(int Id, string Rack)> _brokers;
    private readonly Dictionary<int, int> _replicaCounts = [];
    private readonly Dictionary<int, int> _leaderCounts = [];

    /// <summary>Counts the current load of <paramref name="image"/>; only <paramref name="usable"/> brokers receive replicas.</summary>
    public ReplicaPlacer(MetadataImage image, IEnumerable<BrokerRegistration> usable)
    {
        _brokers = [.. usable.Select(b => (b.Id, b.Rack ?? "\0" + b.Id)).OrderBy(b => b.Id)];
        foreach (var (id, _) in _brokers)
        {
            _replicaCounts[id] = 0;
            _leaderCounts[id] = 0;
        }
        foreach (var topic in image.TopicsById.Values)
            foreach (var p in topic.Partitions.Values)
            {
                foreach (var r in p.Replicas)
                    if (_replicaCounts.ContainsKey(r)) _replicaCounts[r]++;
                if (_leaderCounts.ContainsKey(p.PreferredLeader)) _leaderCounts[p.PreferredLeader]++;
            }
    }

    /// <summary>Brokers that can receive replicas.</summary>
    public int UsableBrokers => _brokers.Count;

    /// <summary>Replicas for one more partition (preferred leader first); the caller checked <paramref name="replicationFactor"/> ≤ <see cref="UsableBrokers"/>.</summary>
    public int[] Place(int replicationFactor, IReadOnlyCollection<int>? exclude = null)
    {
        var chosen = new List<int>(replicationFactor);
        var racksUsed = new Dictionary<string, int>();
        for (var i = 0; i < replicationFactor; i++)
        {
            var best = -1;
            (int, int, int) bestKey = default;
            foreach (var (id, rack) in _brokers)
            {
                if (chosen.Contains(id) || exclude?.Contains(id) == true) continue;
                var key = i == 0
                    ? (_leaderCounts[id], _replicaCounts[id], id)
                    : (racksUsed.GetValueOrDefault(rack), _replicaCounts[id], id);
                if (best < 0 || key.CompareTo(bestKey) < 0) { best = id; bestKey = key; }
            }
            if (best < 0) throw new InvalidOperationException($"cannot place {replicationFactor} replicas on {_brokers.Count} brokers");
            chosen.Add(best);
            var r = _brokers.First(b => b.Id == best).Rack;
            racksUsed[r] = racksUsed.GetValueOrDefault(r) + 1;
            _replicaCounts[best]++;
            if (i == 0) _leaderCounts[best]++;
        }
        return [.. chosen];
    }

    /// <summary>Picks one broker outside <paramref name="exclude"/> to replace a replica, preferring racks not in <paramref name="racksInUse"/>.</summary>
    public int? PlaceOne(IReadOnlyCollection<int> exclude, IReadOnlyCollection<string> racksInUse)
    {
        int? best = null;
        (int, int, int) bestKey = default;
        foreach (var (id, rack) in _brokers)
        {
            if (exclude.Contains(id)) continue;
            var key = (racksInUse.Contains(rack) ? 1 : 0, _replicaCounts[id], id);
            if (best is null || key.CompareTo(bestKey) < 0) { best = id; bestKey = key; }
        }
        if (best is { } b) _replicaCounts[b]++;
        return best;
    }

    /// <summary>The rack key of a broker (its own id when it has no rack).</summary>
    public static string RackOf(BrokerRegistration b) => b.Rack ?? "\0" + b.Id;
}
