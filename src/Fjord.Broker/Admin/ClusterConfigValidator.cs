using Fjord.Broker.ClientMetrics;
using Fjord.Broker.Configuration;
using Fjord.Broker.Topics;
using Fjord.Metadata;
using Fjord.Metadata.Records;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Hosting;
using Fjord.Coordinator.Groups;

namespace Fjord.Broker.Admin;

/// <summary>
/// The controller's <see cref="IConfigValidator"/> in a Fjord broker: checks every config a CreateTopics,
/// AlterConfigs or IncrementalAlterConfigs command would write against the broker's definition tables, with the
/// same rules as DescribeConfigs reports (<see cref="TopicConfigResolver.Validate"/> for topics,
/// <see cref="ConfigDefinition.Validate"/> for broker configs), so a bad value is refused with INVALID_CONFIG
/// before it reaches the metadata log. Whether a broker config may change at runtime at all is the request
/// handlers' concern (INVALID_REQUEST, as Kafka). GROUP configs are checked against this node's group.consumer.*
/// bounds (<see cref="GroupConfigs"/>), as Kafka's controller checks them against its own. Immutable; safe on any thread.
/// </summary>
public sealed class ClusterConfigValidator(GroupCoordinatorConfig groupBounds) : IConfigValidator
{
    /// <summary>A validator with Kafka's default group.consumer.* bounds.</summary>
    public static readonly ClusterConfigValidator Instance = new(new GroupCoordinatorConfig());

    /// <inheritdoc/>
    public string? Validate(ConfigResource resource, string name, string? value)
    {
        if (value is null)
        {
            // Removing an override returns the config to its next source; that is always valid.
            return null;
        }

        switch (resource.Type)
        {
            case ConfigResourceType.ConfigResourceTopic:
                return TopicConfigResolver.Validate(new Dictionary<string, string?>(StringComparer.Ordinal) { [name] = value });
            case ConfigResourceType.ConfigResourceBroker:
                return BrokerConfigDefinitions.TryGet(name, out var definition) ? definition.Validate(value) : $"Unknown broker config name: {name}";
            case ConfigResourceType.ConfigResourceClientMetrics:
                return ClientMetricsConfigs.Validate(name, value);
            case ConfigResourceType.ConfigResourceGroup:
                return GroupConfigs.Validate(groupBounds, name, value);
            default:
                return $"Unsupported config resource type {resource.Type}";
        }
    }

    /// <inheritdoc/>
    public string? ValidateResource(ConfigResource resource, IReadOnlyDictionary<string, string> configs) =>
        resource.Type == ConfigResourceType.ConfigResourceGroup ? GroupConfigs.ValidateTogether(groupBounds, configs) : null;
}
