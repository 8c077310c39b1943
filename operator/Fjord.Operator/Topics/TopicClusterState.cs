namespace Fjord.Operator.Topics;

/// <summary>What a FjordTopic's clusterRef points at, as far as topic reconciling cares.</summary>
public enum TopicClusterState
{
    /// <summary>No such FjordCluster, or it is being deleted: its topics are going away with it.</summary>
    Missing,

    /// <summary>The FjordCluster exists but no broker answered the admin service.</summary>
    Unreachable,

    /// <summary>A broker answered: <see cref="TopicClusterView"/> holds the cluster's topics.</summary>
    Reachable,
}
