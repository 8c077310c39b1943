namespace Fjord.Operator.Reconciling;

/// <summary>
/// The cluster's own view (admin DescribeCluster and DescribeTopics), or <see cref="Unreachable"/> when no broker answered.
/// <paramref name="PreferredLeaderImbalance"/> counts partitions led by another replica than their in-sync preferred (first) one.
/// <paramref name="Balance"/> (admin DescribeBalance) is null when the controller could not report it;
/// <paramref name="Proposal"/> (admin ProposeBalance) is only asked for in continuous balancing.
/// <paramref name="DynamicConfigs"/> (the cluster-wide dynamic broker overrides) is null when the brokers could not report them.
/// <paramref name="Quorum"/> (admin DescribeQuorum) is null when the quorum's leader could not be asked.
/// </summary>
public sealed record ObservedClusterHealth(
    bool Reachable,
    int ControllerId,
    IReadOnlyList<ObservedBroker> Brokers,
    int UnderReplicatedPartitions,
    int OfflinePartitions,
    int ReassigningPartitions,
    IReadOnlyList<TopicReplication> Topics,
    IReadOnlyDictionary<string, string>? DynamicConfigs,
    int PreferredLeaderImbalance = 0,
    ObservedBalance? Balance = null,
    ProposedBalance? Proposal = null,
    ObservedQuorum? Quorum = null)
{
    public static ObservedClusterHealth Unreachable { get; } = new(false, -1, [], 0, 0, 0, [], null);

    /// <summary>Safe to take a broker down: reachable, a controller, nothing under-replicated, offline or moving.</summary>
    public bool Healthy => Reachable && ControllerId >= 0 && UnderReplicatedPartitions == 0 && OfflinePartitions == 0
        && ReassigningPartitions == 0;
}
