namespace Fjord.Operator.Topics;

/// <summary>
/// One FjordCluster's topics as one admin DescribeTopics (all topics) reported them, shared by every FjordTopic on the
/// cluster within a reconcile pass, plus its brokers, the topic config names it understands and the replication
/// throttle its FjordCluster asks for (spec.rebalance.throttleBytesPerSecond, 0: none). Immutable: the host makes a new
/// view with <see cref="With"/> when a mutation's answer describes a topic anew.
/// </summary>
public sealed record TopicClusterView(
    TopicClusterState State,
    IReadOnlyList<TopicBroker> Brokers,
    IReadOnlyDictionary<string, ObservedTopic> Topics,
    IReadOnlySet<string>? KnownTopicConfigs,
    long ThrottleBytesPerSecond = 0)
{
    public static TopicClusterView Missing { get; } = new(TopicClusterState.Missing, [], new Dictionary<string, ObservedTopic>(), null);

    public static TopicClusterView Unreachable { get; } = new(TopicClusterState.Unreachable, [], new Dictionary<string, ObservedTopic>(), null);

    public ObservedTopic? Topic(string name) => Topics.TryGetValue(name, out var topic) ? topic : null;

    /// <summary>This view with <paramref name="topic"/> replaced (or added).</summary>
    public TopicClusterView With(ObservedTopic topic) =>
        this with { Topics = new Dictionary<string, ObservedTopic>(Topics, StringComparer.Ordinal) { [topic.Name] = topic } };

    /// <summary>This view without the topic named <paramref name="name"/>.</summary>
    public TopicClusterView Without(string name)
    {
        var topics = new Dictionary<string, ObservedTopic>(Topics, StringComparer.Ordinal);
        topics.Remove(name);
        return this with { Topics = topics };
    }
}
