using Fjord.Operator.Crds;
using Fjord.Operator.Reconciling;

namespace Fjord.Operator.Topics;

// Status: conditions, observedGeneration and the described topic, written as the plan's last action.
public static partial class FjordTopicReconciler
{
    /// <summary>Partitions listed one by one in status; a larger topic lists its first ones and the counts.</summary>
    public const int StatusPartitionLimit = 100;

    /// <summary>The status for an admin call that failed with a Kafka error (<paramref name="code"/>), and a retry later.</summary>
    public static ReconcilePlan Failed(ObservedFjordTopic observed, int code, string message)
    {
        var reason = code switch
        {
            InvalidConfigCode => TopicConditions.ReasonInvalidConfig,
            InvalidReplicationFactorCode => TopicConditions.ReasonInvalidReplicationFactor,
            _ => TopicConditions.ReasonAdminError,
        };
        return Finish(observed, [], observed.Cluster.Topic(TopicNames.Of(observed.Topic)),
            NotReady(reason, $"the cluster refused: error {code} {message}"), ClusterRequeue);
    }

    private const int InvalidReplicationFactorCode = 38;
    private const int InvalidConfigCode = 40;

    private static TopicOutcome NotReady(string reason, string message) => new(reason, message, Progressing: false);

    private static TopicOutcome Progress(string reason, string message) => new(reason, message, Progressing: true);

    private static ReconcilePlan Finish(ObservedFjordTopic observed, List<ReconcileAction> actions, ObservedTopic? topic,
        TopicOutcome? outcome, TimeSpan? requeue)
    {
        actions.Add(new UpdateTopicStatus(Status(observed, topic, outcome, actions.Any(a => a is ChangeReplicationFactor))));
        return new ReconcilePlan(actions, requeue);
    }

    private static V1Alpha1FjordTopicStatus Status(ObservedFjordTopic observed, ObservedTopic? topic, TopicOutcome? outcome, bool reassigning)
    {
        var resource = observed.Topic;
        var generation = resource.Metadata.Generation;
        var name = TopicNames.Of(resource);
        var conditions = outcome is null
            ? new[]
            {
                Condition(TopicConditions.Ready, true, TopicConditions.ReasonReconciled, $"topic '{name}' matches the spec", generation),
                Condition(TopicConditions.Reconciling, false, TopicConditions.ReasonReconciled, "nothing to change", generation),
            }
            : new[]
            {
                Condition(TopicConditions.Ready, false, outcome.Reason, outcome.Message, generation),
                Condition(TopicConditions.Reconciling, outcome.Progressing, outcome.Reason, outcome.Message, generation),
            };
        var previous = resource.Status;
        // A stalled reconcile keeps reporting what it last knew of the topic rather than blanking it.
        return new V1Alpha1FjordTopicStatus
        {
            Conditions = ClusterConditions.Merge(previous?.Conditions, conditions, observed.Now),
            ObservedGeneration = generation,
            TopicName = topic?.Name ?? previous?.TopicName ?? (outcome?.Reason == TopicConditions.ReasonTopicNameConflict ? null : name),
            TopicId = topic?.TopicId ?? previous?.TopicId,
            PartitionCount = topic?.Partitions.Count ?? previous?.PartitionCount,
            ReplicationFactor = topic?.ReplicationFactor ?? previous?.ReplicationFactor,
            Partitions = topic is null ? previous?.Partitions : topic.Partitions
                .OrderBy(p => p.Partition)
                .Take(StatusPartitionLimit)
                .Select(p => new V1Alpha1FjordPartitionStatus { Partition = p.Partition, Leader = p.Leader, Replicas = [.. p.Replicas], Isr = [.. p.Isr] })
                .ToList(),
            Reassigning = reassigning || (topic?.Reassigning ?? previous?.Reassigning ?? false),
        };
    }

    private static V1Alpha1FjordCondition Condition(string type, bool status, string reason, string message, long? generation) =>
        ClusterConditions.Make(type, status, reason, message, generation);
}
