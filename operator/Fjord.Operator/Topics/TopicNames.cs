using Fjord.Operator.Crds;

namespace Fjord.Operator.Topics;

/// <summary>
/// The Kafka topic a FjordTopic names, and which FjordTopic owns a name when several name it. Thread-safe (stateless).
/// </summary>
public static class TopicNames
{
    /// <summary><c>spec.topicName</c>, or <c>metadata.name</c> when it is absent (so <c>orders.v1_EU</c> is possible).</summary>
    public static string Of(V1Alpha1FjordTopic topic) =>
        string.IsNullOrEmpty(topic.Spec.TopicName) ? topic.Metadata.Name : topic.Spec.TopicName;

    /// <summary>True when both resources name one Kafka topic on one cluster.</summary>
    public static bool SameTopic(V1Alpha1FjordTopic a, V1Alpha1FjordTopic b) =>
        a.Metadata.NamespaceProperty == b.Metadata.NamespaceProperty
        && a.Spec.ClusterRef.Name == b.Spec.ClusterRef.Name
        && Of(a) == Of(b);

    /// <summary>
    /// The FjordTopic that owns <paramref name="topic"/>'s Kafka topic among <paramref name="all"/> (which may include
    /// <paramref name="topic"/>): the oldest by creationTimestamp, then by name, so every reconcile agrees and a newcomer
    /// never takes a topic over from the resource that created it.
    /// </summary>
    public static V1Alpha1FjordTopic Owner(V1Alpha1FjordTopic topic, IEnumerable<V1Alpha1FjordTopic> all)
    {
        var owner = topic;
        foreach (var other in all)
        {
            if (SameTopic(topic, other) && Older(other, owner))
            {
                owner = other;
            }
        }
        return owner;
    }

    private static bool Older(V1Alpha1FjordTopic a, V1Alpha1FjordTopic b)
    {
        var ta = a.Metadata.CreationTimestamp ?? DateTime.MaxValue;
        var tb = b.Metadata.CreationTimestamp ?? DateTime.MaxValue;
        return ta != tb ? ta < tb : string.CompareOrdinal(a.Metadata.Name, b.Metadata.Name) < 0;
    }
}
