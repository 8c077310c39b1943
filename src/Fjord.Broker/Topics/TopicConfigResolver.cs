using Fjord.Broker.Configuration;

namespace Fjord.Broker.Topics;

/// <summary>
/// Computes a topic's effective configs: its own override, else the broker config named as the
/// synonym (when the operator set it), else Kafka's default. Thread-safe; reads immutable inputs.
/// </summary>
public sealed class TopicConfigResolver(BrokerConfig brokerConfig)
{
    public readonly record struct ResolvedConfig(ConfigDefinition Definition, string? Value, ConfigSource Source);

    public IEnumerable<ResolvedConfig> Resolve(IReadOnlyDictionary<string, string> overrides)
    {
        foreach (var definition in TopicConfigDefinitions.All)
        {
            yield return ResolveOne(definition, overrides);
        }
    }

    public ResolvedConfig ResolveOne(ConfigDefinition definition, IReadOnlyDictionary<string, string> overrides)
    {
        if (overrides.TryGetValue(definition.Name, out var own))
        {
            return new(definition, own, ConfigSource.DynamicTopicConfig);
        }

        if (definition.BrokerSynonym is { } synonym && brokerConfig.ExplicitKeys.Contains(synonym) && brokerConfig.TryGetValue(synonym, out var brokerValue))
        {
            return new(definition, brokerValue, ConfigSource.StaticBrokerConfig);
        }

        return new(definition, definition.Default, ConfigSource.DefaultConfig);
    }

    /// <summary>The effective values as Kafka-named properties, as the storage engine takes them.</summary>
    public Dictionary<string, string> EffectiveProperties(IReadOnlyDictionary<string, string> overrides)
    {
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var resolved in Resolve(overrides))
        {
            if (resolved.Value is not null)
            {
                properties[resolved.Definition.Name] = resolved.Value;
            }
        }

        return properties;
    }

    /// <summary>Checks a set of overrides; returns null when all are valid, else the first problem.</summary>
    public static string? Validate(IReadOnlyDictionary<string, string?> overrides)
    {
        foreach (var (name, value) in overrides)
        {
            if (!TopicConfigDefinitions.TryGet(name, out var definition))
            {
                return $"Unknown topic config name: {name}";
            }

            if (definition.Validate(value) is { } error)
            {
                return error;
            }
        }

        return null;
    }
}
