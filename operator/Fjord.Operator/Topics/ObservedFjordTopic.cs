using Fjord.Operator.Crds;

namespace Fjord.Operator.Topics;

/// <summary>
/// Everything one FjordTopic reconcile decides from: the resource, its cluster's topics (<see cref="TopicClusterView"/>),
/// the other FjordTopics of its namespace (to settle name conflicts) and the time. Immutable.
/// </summary>
public sealed record ObservedFjordTopic(
    V1Alpha1FjordTopic Topic,
    TopicClusterView Cluster,
    IReadOnlyList<V1Alpha1FjordTopic> NamespaceTopics,
    DateTimeOffset Now);
