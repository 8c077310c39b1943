namespace Fjord.Operator.Topics;

/// <summary>
/// Topic configs the cluster's balancer sets while a replication factor changes (KIP-73's throttled replica lists, the
/// way kafka-reassign-partitions sets them): a spec may not name them, and their presence is not drift. Thread-safe.
/// </summary>
public static class TopicConfigOwnership
{
    public const string LeaderThrottledReplicas = "leader.replication.throttled.replicas";
    public const string FollowerThrottledReplicas = "follower.replication.throttled.replicas";

    public static bool OwnedByOperator(string name) => name is LeaderThrottledReplicas or FollowerThrottledReplicas;
}
