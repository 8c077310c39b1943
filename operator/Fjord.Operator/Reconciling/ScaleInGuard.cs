namespace Fjord.Operator.Reconciling;

/// <summary>
/// Decides whether shrinking to <c>targetReplicas</c> brokers is safe. A topic whose replication factor exceeds the
/// brokers left could no longer place its replicas (Kafka refuses such reassignments), so the scale-in is refused and the
/// spec is kept for the user to fix; the reconciler reports it with a condition and a Warning Event. A cluster the
/// operator cannot describe is not scaled in either: the check cannot be made. Thread-safe (stateless).
/// </summary>
public static class ScaleInGuard
{
    public const string ReasonReplicationFactor = "ScaleInBelowReplicationFactor";
    public const string ReasonUnknownTopics = "ScaleInWaitingForClusterDescription";

    public static ScaleInDecision Decide(int targetReplicas, ObservedClusterHealth health)
    {
        if (!health.Reachable)
        {
            return ScaleInDecision.Refuse(ReasonUnknownTopics,
                "cannot check topic replication factors: no broker answered DescribeCluster");
        }
        var blocking = health.Topics.Where(t => t.ReplicationFactor > targetReplicas)
            .OrderByDescending(t => t.ReplicationFactor).ThenBy(t => t.Topic, StringComparer.Ordinal).ToList();
        if (blocking.Count == 0)
        {
            return ScaleInDecision.Allow;
        }
        var named = string.Join(", ", blocking.Take(5).Select(t => $"{t.Topic} (RF {t.ReplicationFactor})"));
        var more = blocking.Count > 5 ? $" and {blocking.Count - 5} more" : "";
        return ScaleInDecision.Refuse(ReasonReplicationFactor,
            $"scale-in to {targetReplicas} brokers refused: {named}{more} need more brokers; lower their replication factor first");
    }
}
