using Fjord.Metadata.Records;

namespace Fjord.Metadata;

/// <summary>
/// What a config applies to: a topic by name, a broker by id, (broker, "") the cluster default, a client metrics
/// subscription by name, or a consumer group by id.
/// Immutable value; safe on any thread.
/// </summary>
public readonly record struct ConfigResource(ConfigResourceType Type, string Name) : IComparable<ConfigResource>
{
    /// <summary>The configs of one topic.</summary>
    public static ConfigResource Topic(string name) => new(ConfigResourceType.ConfigResourceTopic, name);

    /// <summary>The configs of one broker; <c>""</c> is the cluster-wide default.</summary>
    public static ConfigResource Broker(string id) => new(ConfigResourceType.ConfigResourceBroker, id);

    /// <summary>A KIP-714 client metrics subscription, by its name.</summary>
    public static ConfigResource ClientMetrics(string name) => new(ConfigResourceType.ConfigResourceClientMetrics, name);

    /// <summary>The configs of one consumer group (Kafka's GROUP resource, KIP-848), by group id.</summary>
    public static ConfigResource Group(string groupId) => new(ConfigResourceType.ConfigResourceGroup, groupId);

    /// <summary>The cluster-wide dynamic broker default.</summary>
    public static ConfigResource ClusterDefault => Broker("");

    /// <inheritdoc/>
    public int CompareTo(ConfigResource other)
    {
        var c = Type.CompareTo(other.Type);
        return c != 0 ? c : string.CompareOrdinal(Name, other.Name);
    }
}
