namespace Fjord.Operator.Topics;

/// <summary>
/// Where a topic's partitions go when its replication factor changes. Growing keeps every current replica (no data moves
/// off a broker) and adds brokers in a rack the partition does not use yet, then the least-loaded by replica count;
/// shrinking keeps the current leader and drops replicas on fenced brokers first, then ones that share a rack, then the
/// most-loaded. Loads count the replicas this plan has already placed, so a topic's new replicas spread out rather than
/// all landing on the emptiest broker. Thread-safe (stateless).
/// </summary>
public static class ReplicaPlacement
{
    /// <summary>
    /// Target replica sets for the partitions whose replica count differs from <paramref name="replicationFactor"/>;
    /// null when fewer unfenced brokers exist than the factor asks for.
    /// </summary>
    public static IReadOnlyDictionary<int, IReadOnlyList<int>>? Targets(ObservedTopic topic, IReadOnlyList<TopicBroker> brokers,
        int replicationFactor)
    {
        var live = brokers.Where(b => !b.Fenced).ToDictionary(b => b.Id);
        if (live.Count < replicationFactor)
        {
            return null;
        }
        var racks = brokers.ToDictionary(b => b.Id, b => b.Rack);
        var load = brokers.ToDictionary(b => b.Id, b => b.ReplicaCount);
        var targets = new Dictionary<int, IReadOnlyList<int>>();
        foreach (var partition in topic.Partitions.OrderBy(p => p.Partition))
        {
            if (partition.Replicas.Count == replicationFactor)
            {
                continue;
            }
            var replicas = partition.Replicas.ToList();
            while (replicas.Count < replicationFactor)
            {
                var added = live.Keys.Where(id => !replicas.Contains(id))
                    .OrderBy(id => RackUsed(id, replicas, racks) ? 1 : 0)
                    .ThenBy(id => load.GetValueOrDefault(id))
                    .ThenBy(id => id)
                    .First();
                replicas.Add(added);
                load[added] = load.GetValueOrDefault(added) + 1;
            }
            var keep = replicas.Contains(partition.Leader) ? partition.Leader : replicas[0];
            while (replicas.Count > replicationFactor)
            {
                var removed = replicas.Where(id => id != keep)
                    .OrderBy(id => live.ContainsKey(id) ? 1 : 0)
                    .ThenBy(id => RackShared(id, replicas, racks) ? 0 : 1)
                    .ThenByDescending(id => load.GetValueOrDefault(id))
                    .ThenByDescending(replicas.IndexOf)
                    .First();
                replicas.Remove(removed);
                load[removed] = load.GetValueOrDefault(removed) - 1;
            }
            targets[partition.Partition] = replicas;
        }
        return targets;
    }

    private static bool RackUsed(int candidate, List<int> replicas, Dictionary<int, string?> racks) =>
        racks.GetValueOrDefault(candidate) is { } rack && replicas.Any(r => racks.GetValueOrDefault(r) == rack);

    private static bool RackShared(int replica, List<int> replicas, Dictionary<int, string?> racks) =>
        racks.GetValueOrDefault(replica) is { } rack && replicas.Any(r => r != replica && racks.GetValueOrDefault(r) == rack);
}
