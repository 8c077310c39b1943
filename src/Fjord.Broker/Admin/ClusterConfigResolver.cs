using System.Globalization;
using Fjord.Broker.Configuration;
using Fjord.Metadata;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Admin;

/// <summary>
/// The config precedence, read from the committed <see cref="MetadataImage"/> (Kafka's
/// DynamicBrokerConfig + LogConfig synonyms): a topic's own override (DYNAMIC_TOPIC_CONFIG), then this node's
/// dynamic broker config (DYNAMIC_BROKER_CONFIG), then the dynamic cluster default (DYNAMIC_DEFAULT_BROKER_CONFIG),
/// then this node's static config from --set or the file (STATIC_BROKER_CONFIG), then Kafka's default
/// (DEFAULT_CONFIG). A topic config falls back to its broker synonym (retention.ms to log.retention.ms). The same
/// chain feeds DescribeConfigs and the partition logs, so what a client reads is what the log runs with.
/// Thread-safe: reads only immutable inputs.
/// </summary>
public sealed class ClusterConfigResolver(int nodeId, BrokerConfig staticConfig)
{
    private readonly string _nodeName = nodeId.ToString(CultureInfo.InvariantCulture);

    /// <summary>One link of the chain: a name, its value and where it came from.</summary>
    public readonly record struct Synonym(string Name, string? Value, ConfigSource Source);

    /// <summary>A config's effective value and every source that has a value for it, highest precedence first.</summary>
    public sealed record Resolved(ConfigDefinition Definition, string? Value, ConfigSource Source, IReadOnlyList<Synonym> Synonyms);

    /// <summary>This node's view of topic config <paramref name="definition"/> for <paramref name="topic"/>.</summary>
    public Resolved ResolveTopic(MetadataImage image, string topic, ConfigDefinition definition)
    {
        var synonyms = new List<Synonym>(3);
        if (image.GetConfig(ConfigResource.Topic(topic), definition.Name) is { } own)
        {
            synonyms.Add(new(definition.Name, own, ConfigSource.DynamicTopicConfig));
        }

        if (definition.BrokerSynonym is { } brokerName)
        {
            AddBrokerLayers(image, brokerName, synonyms);
        }

        synonyms.Add(new(definition.BrokerSynonym ?? definition.Name, definition.Default, ConfigSource.DefaultConfig));
        return new(definition, synonyms[0].Value, synonyms[0].Source, synonyms);
    }

    /// <summary>This node's view of broker config <paramref name="definition"/> (DescribeConfigs on BROKER resource = this node's id).</summary>
    public Resolved ResolveBroker(MetadataImage image, ConfigDefinition definition)
    {
        var synonyms = new List<Synonym>(3);
        AddBrokerLayers(image, definition.Name, synonyms);
        synonyms.Add(new(definition.Name, definition.Default, ConfigSource.DefaultConfig));
        return new(definition, synonyms[0].Value, synonyms[0].Source, synonyms);
    }

    /// <summary>Every topic config's effective value for <paramref name="topic"/>, as the storage engine takes them.</summary>
    public Dictionary<string, string> EffectiveTopicProperties(MetadataImage image, string topic)
    {
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var definition in TopicConfigDefinitions.All)
        {
            if (ResolveTopic(image, topic, definition).Value is { } value)
            {
                properties[definition.Name] = value;
            }
        }

        return properties;
    }

    /// <summary>True when <paramref name="resource"/> is a broker resource whose configs affect this node (its own id or the cluster default).</summary>
    public bool AffectsThisNode(ConfigResource resource) =>
        resource.Type == Metadata.Records.ConfigResourceType.ConfigResourceBroker && (resource.Name.Length == 0 || resource.Name == _nodeName);

    private void AddBrokerLayers(MetadataImage image, string name, List<Synonym> synonyms)
    {
        if (image.GetConfig(ConfigResource.Broker(_nodeName), name) is { } perBroker)
        {
            synonyms.Add(new(name, perBroker, ConfigSource.DynamicBrokerConfig));
        }

        if (image.GetConfig(ConfigResource.ClusterDefault, name) is { } clusterDefault)
        {
            synonyms.Add(new(name, clusterDefault, ConfigSource.DynamicDefaultBrokerConfig));
        }

        if (staticConfig.ExplicitKeys.Contains(name) && staticConfig.TryGetValue(name, out var staticValue))
        {
            synonyms.Add(new(name, staticValue, ConfigSource.StaticBrokerConfig));
        }
    }
}
