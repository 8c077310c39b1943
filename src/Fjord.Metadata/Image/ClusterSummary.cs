namespace Fjord.Metadata;

/// <summary>
/// What DescribeCluster reports: brokers, the controller, and partition health counts (under-replicated:
/// ISR smaller than the replica set; offline: no leader). Immutable; safe on any thread.
/// </summary>
public sealed record ClusterSummary(
    IReadOnlyList<BrokerRegistration> Brokers,
    int ControllerId,
    int FencedBrokers,
    int Topics,
    int Partitions,
    int UnderReplicatedPartitions,
    int OfflinePartitions,
    int ReassigningPartitions)
{
    /// <summary>Summarizes <paramref name="image"/>; <paramref name="controllerId"/> comes from the Raft leader (-1 unknown).</summary>
    public static ClusterSummary From(MetadataImage image, int controllerId)
    {
        int partitions = 0, under = 0, offline = 0, reassigning = 0;
        foreach (var topic in image.TopicsById.Values)
            foreach (var p in topic.Partitions.Values)
            {
                partitions++;
                if (p.Isr.Length < p.Replicas.Length) under++;
                if (!p.HasLeader) offline++;
                if (p.IsReassigning) reassigning++;
            }
        return new ClusterSummary([.. image.Brokers.Values], controllerId, image.Brokers.Values.Count(b => b.Fenced),
            image.TopicsById.Count, partitions, under, offline, reassigning);
    }
}
