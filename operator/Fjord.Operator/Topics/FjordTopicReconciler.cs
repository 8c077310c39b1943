using Fjord.Operator.Crds;
using Fjord.Operator.Reconciling;

namespace Fjord.Operator.Topics;

/// <summary>
/// The FjordTopic planner: spec and the described Kafka topic in, actions out. It creates the topic, grows its partitions,
/// puts its configs back to the spec (the spec owns every explicit config, so changes made behind the operator's back
/// are drift and are reverted with an Event), has the cluster's balancer change its replication factor (placed by the
/// balance goals, throttled at the FjordCluster's rebalance throttle), and refuses
/// what Kafka cannot do (shrinking partitions) or what the spec gets wrong (unknown configs) with a condition instead of
/// a change. Topics no FjordTopic names are never touched: every action names the resource's own topic. Pure and
/// thread-safe; the host runs the actions (see Hosting/FjordTopicController).
/// </summary>
public static partial class FjordTopicReconciler
{
    /// <summary>How soon to look again while the cluster cannot be reached.</summary>
    public static readonly TimeSpan ClusterRequeue = TimeSpan.FromSeconds(10);

    /// <summary>How soon to look again while a reassignment or deletion is under way.</summary>
    public static readonly TimeSpan ProgressRequeue = TimeSpan.FromSeconds(2);

    public static ReconcilePlan Plan(ObservedFjordTopic observed)
    {
        var resource = observed.Topic;
        if (resource.Metadata.DeletionTimestamp is not null)
        {
            return PlanDeletion(observed);
        }
        var actions = new List<ReconcileAction>();
        var name = TopicNames.Of(resource);
        var owner = TopicNames.Owner(resource, observed.NamespaceTopics);
        var retain = resource.Spec.DeletionPolicy == V1Alpha1FjordTopicSpec.DeletionPolicyRetain;
        var hasFinalizer = HasFinalizer(resource);
        if (owner.Metadata.Name != resource.Metadata.Name)
        {
            // Never holds the topic's deletion hostage: only the owner may delete it.
            if (hasFinalizer)
            {
                actions.Add(new RemoveTopicFinalizer());
            }
            return Finish(observed, actions, null, NotReady(TopicConditions.ReasonTopicNameConflict,
                $"FjordTopic {owner.Metadata.Name} already manages topic '{name}' on cluster {resource.Spec.ClusterRef.Name}"), null);
        }
        if (retain == hasFinalizer)
        {
            actions.Add(retain ? new RemoveTopicFinalizer() : new AddTopicFinalizer());
        }
        if (resource.Status?.TopicName is { } previousName && previousName != name)
        {
            return Finish(observed, actions, observed.Cluster.Topic(previousName), NotReady(TopicConditions.ReasonTopicNameImmutable,
                $"the topic is '{previousName}'; Kafka cannot rename a topic: create a new FjordTopic instead"), null);
        }
        switch (observed.Cluster.State)
        {
            case TopicClusterState.Missing:
                return Finish(observed, actions, null, NotReady(TopicConditions.ReasonClusterNotReady,
                    $"FjordCluster {resource.Spec.ClusterRef.Name} does not exist"), null);
            case TopicClusterState.Unreachable:
                return Finish(observed, actions, null, NotReady(TopicConditions.ReasonClusterNotReady,
                    $"no broker of FjordCluster {resource.Spec.ClusterRef.Name} answers the admin service"), ClusterRequeue);
        }
        if (InvalidConfigs(resource, observed.Cluster) is { } invalid)
        {
            return Finish(observed, actions, observed.Cluster.Topic(name), NotReady(TopicConditions.ReasonInvalidConfig, invalid), null);
        }
        var topic = observed.Cluster.Topic(name);
        if (topic is null)
        {
            actions.Add(new CreateKafkaTopic(name, resource.Spec.Partitions ?? -1, resource.Spec.Replicas ?? -1,
                resource.Spec.Config ?? new Dictionary<string, string>()));
            return Finish(observed, actions, null, Progress(TopicConditions.ReasonCreating, $"creating topic '{name}'"), null);
        }
        return PlanExisting(observed, actions, name, topic);
    }

    private static ReconcilePlan PlanExisting(ObservedFjordTopic observed, List<ReconcileAction> actions, string name, ObservedTopic topic)
    {
        var spec = observed.Topic.Spec;
        if (spec.Partitions is { } asked && asked < topic.Partitions.Count)
        {
            return Finish(observed, actions, topic, NotReady(TopicConditions.ReasonPartitionsCannotShrink,
                $"the topic has {topic.Partitions.Count} partitions and Kafka cannot remove partitions; spec.partitions asks for {asked}"), null);
        }
        var drift = new List<string>();
        var grow = spec.Partitions is { } count && count > topic.Partitions.Count;
        if (grow)
        {
            actions.Add(new GrowPartitions(name, spec.Partitions!.Value));
            drift.Add($"partitions {topic.Partitions.Count} → {spec.Partitions}");
        }
        var (set, delete) = ConfigDiff(spec.Config, topic.Configs);
        foreach (var (key, value) in set)
        {
            drift.Add(topic.Configs.TryGetValue(key, out var old) ? $"{key} {old} → {value}" : $"{key} set to {value}");
        }
        drift.AddRange(delete.Select(key => $"{key} {topic.Configs[key]} removed"));

        var reassigning = topic.Reassigning;
        var changeFactor = !grow && !reassigning && spec.Replicas is { } factor && topic.Partitions.Any(p => p.Replicas.Count != factor);
        if (changeFactor && spec.Replicas > observed.Cluster.Brokers.Count(b => !b.Fenced))
        {
            return Finish(observed, actions, topic, NotReady(TopicConditions.ReasonInvalidReplicationFactor,
                $"spec.replicas is {spec.Replicas} but the cluster has {observed.Cluster.Brokers.Count(b => !b.Fenced)} unfenced broker(s)"), null);
        }
        if (!reassigning)
        {
            // The balancer removes its throttle once the replicas are in place; one left behind (a controller failover
            // lost the execution) goes here.
            delete.AddRange(topic.Configs.Keys.Where(TopicConfigOwnership.OwnedByOperator).OrderBy(k => k, StringComparer.Ordinal));
        }
        if (set.Count + delete.Count > 0)
        {
            actions.Add(new AlterTopicConfigs(name, set, delete));
        }
        if (changeFactor)
        {
            actions.Add(new ChangeReplicationFactor(name, spec.Replicas!.Value, observed.Cluster.ThrottleBytesPerSecond));
            actions.Add(new RecordEvent(RecordEvent.Normal, TopicConditions.EventReplicationFactorChanging,
                $"changing '{name}' to {spec.Replicas} replica(s) per partition through the cluster's balancer"));
        }
        if (drift.Count > 0 && WasSettled(observed.Topic))
        {
            actions.Add(new RecordEvent(RecordEvent.Warning, TopicConditions.EventDriftCorrected,
                $"topic '{name}' was changed outside its FjordTopic; put back: {string.Join("; ", drift)}"));
        }
        if (changeFactor || reassigning)
        {
            var moving = topic.Partitions.Count(p => p.Reassigning);
            return Finish(observed, actions, topic, Progress(TopicConditions.ReasonChangingReplicationFactor,
                $"moving replicas of '{name}' to replication factor {spec.Replicas}: {moving} of {topic.Partitions.Count} partition(s) moving"),
                ProgressRequeue);
        }
        if (actions.Any(a => a is GrowPartitions or AlterTopicConfigs))
        {
            // The host describes the topic again after the change; this status stands only if it cannot.
            return Finish(observed, actions, topic, Progress(TopicConditions.ReasonUpdating, $"updating topic '{name}'"), null);
        }
        return Finish(observed, actions, topic, null, null);
    }

    /// <summary>Keys to set (absent or different) and to delete (set on the topic, absent from the spec), operator-owned keys aside.</summary>
    internal static (Dictionary<string, string> Set, List<string> Delete) ConfigDiff(IReadOnlyDictionary<string, string>? desired,
        IReadOnlyDictionary<string, string> actual)
    {
        var set = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in desired ?? new Dictionary<string, string>())
        {
            if (!actual.TryGetValue(key, out var current) || current != value)
            {
                set[key] = value;
            }
        }
        var delete = actual.Keys
            .Where(key => !TopicConfigOwnership.OwnedByOperator(key) && desired?.ContainsKey(key) != true)
            .OrderBy(key => key, StringComparer.Ordinal)
            .ToList();
        return (set, delete);
    }

    /// <summary>The spec's config keys the cluster does not know or the operator owns; null when all are fine.</summary>
    private static string? InvalidConfigs(V1Alpha1FjordTopic resource, TopicClusterView cluster)
    {
        var keys = resource.Spec.Config?.Keys ?? (IEnumerable<string>)[];
        var owned = keys.Where(TopicConfigOwnership.OwnedByOperator).Order(StringComparer.Ordinal).ToList();
        if (owned.Count > 0)
        {
            return $"set by the operator while replicas move, not in spec.config: {string.Join(", ", owned)}";
        }
        if (cluster.KnownTopicConfigs is not { } known)
        {
            return null;
        }
        var unknown = keys.Where(k => !known.Contains(k)).Order(StringComparer.Ordinal).ToList();
        return unknown.Count == 0 ? null : $"unknown topic config(s): {string.Join(", ", unknown)}";
    }

    /// <summary>The last status was Ready for the current generation, so a difference now was made outside the spec.</summary>
    private static bool WasSettled(V1Alpha1FjordTopic resource) =>
        resource.Status is { } status && status.ObservedGeneration == resource.Metadata.Generation
        && status.Conditions?.Any(c => c.Type == TopicConditions.Ready && c.Status == "True") == true;

    private static bool HasFinalizer(V1Alpha1FjordTopic resource) => resource.Metadata.Finalizers?.Contains(TopicFinalizer.Name) == true;
}
