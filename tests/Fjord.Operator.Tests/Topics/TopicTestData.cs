using Fjord.Operator.Crds;
using Fjord.Operator.Topics;
using k8s.Models;

namespace Fjord.Operator.Tests.Topics;

/// <summary>Builders for FjordTopic planner tests: resources, described topics and cluster views.</summary>
internal static class TopicTestData
{
    public static readonly DateTimeOffset Now = new(2026, 12, 7, 6, 0, 0, TimeSpan.Zero);
    public static readonly IReadOnlySet<string> KnownConfigs = new HashSet<string>
    {
        "cleanup.policy", "retention.ms", "min.insync.replicas", "segment.bytes",
        TopicConfigOwnership.LeaderThrottledReplicas, TopicConfigOwnership.FollowerThrottledReplicas,
    };

    public static V1Alpha1FjordTopic Resource(string name = "orders", Action<V1Alpha1FjordTopicSpec>? configure = null,
        long generation = 1, DateTime? created = null, bool finalizer = true)
    {
        var resource = new V1Alpha1FjordTopic
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = "shop",
                Generation = generation,
                Uid = "uid-" + name,
                CreationTimestamp = created ?? new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc),
                Finalizers = finalizer ? [TopicFinalizer.Name] : null,
            },
            Spec = new V1Alpha1FjordTopicSpec { ClusterRef = new V1Alpha1FjordClusterRef { Name = "main" }, Partitions = 3, Replicas = 1 },
        };
        configure?.Invoke(resource.Spec);
        return resource;
    }

    /// <summary>The resource as it looks after a reconcile that found it Ready for its current generation.</summary>
    public static V1Alpha1FjordTopic Settled(V1Alpha1FjordTopic resource)
    {
        resource.Status = new V1Alpha1FjordTopicStatus
        {
            ObservedGeneration = resource.Metadata.Generation,
            TopicName = TopicNames.Of(resource),
            Conditions = [new V1Alpha1FjordCondition { Type = TopicConditions.Ready, Status = "True", Reason = TopicConditions.ReasonReconciled }],
        };
        return resource;
    }

    /// <summary>A topic whose partition p has replicas rotating over <paramref name="brokers"/>, leader first.</summary>
    public static ObservedTopic Topic(string name = "orders", int partitions = 3, int replicationFactor = 1, int brokers = 3,
        Dictionary<string, string>? configs = null) =>
        new(name, "AAAAAAAAAAAAAAAAAAAAAQ",
            Enumerable.Range(0, partitions).Select(p =>
            {
                var replicas = Enumerable.Range(0, replicationFactor).Select(r => (p + r) % brokers).ToList();
                return new ObservedPartition(p, replicas[0], replicas, replicas, [], []);
            }).ToList(),
            configs ?? new Dictionary<string, string>());

    public static TopicClusterView Cluster(int brokers = 3, params ObservedTopic[] topics) =>
        new(TopicClusterState.Reachable,
            Enumerable.Range(0, brokers).Select(i => new TopicBroker(i, null, false, 0)).ToList(),
            topics.ToDictionary(t => t.Name, StringComparer.Ordinal),
            KnownConfigs);

    public static ObservedFjordTopic Observe(V1Alpha1FjordTopic resource, TopicClusterView cluster, params V1Alpha1FjordTopic[] others) =>
        new(resource, cluster, [resource, .. others], Now);
}
