using System.Globalization;
using Fjord.Broker.ClientMetrics;
using Fjord.Broker.Configuration;
using Fjord.Broker.Handlers;
using Fjord.Metadata;
using Fjord.Protocol.Errors;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Admin;

/// <summary>What a Kafka config request asks of one resource, as the controller command takes it, or why it is refused.</summary>
/// <param name="Resource">the SET/DELETE changes for <see cref="QuorumController.IncrementalAlterConfigs"/>; null when refused.</param>
public sealed record ConfigChangePlan(AlterConfigsResource? Resource, ErrorCode Error, string? Message)
{
    public static ConfigChangePlan Refuse(ErrorCode error, string message) => new(null, error, message);
}

/// <summary>The outcome for one resource of a config request, in request order.</summary>
public readonly record struct ConfigChangeOutcome(ErrorCode Error, string? Message);

/// <summary>
/// Turns AlterConfigs and IncrementalAlterConfigs resources into controller commands against the controller's
/// current image (Kafka's ConfigurationControlManager.legacyAlterConfigs / incrementalAlterConfigs):
/// - TOPIC resources: the topic must exist (UNKNOWN_TOPIC_OR_PARTITION), names must be topic configs (INVALID_CONFIG).
/// - BROKER resources ("" = cluster default, or a broker id): only dynamic configs
///   (<see cref="BrokerConfigDefinitions.IsDynamic"/>); others are INVALID_REQUEST "Cannot update these configs
///   dynamically", unknown names INVALID_CONFIG.
/// - GROUP resources (KIP-848, <see cref="GroupConfigs"/>): any non-empty group id, existing or not; unknown names
///   INVALID_CONFIG "Unknown group config name".
/// - APPEND/SUBTRACT only on LIST configs, against the current effective value; legacy AlterConfigs replaces the
///   resource's whole set: every override not named is deleted.
/// Values are checked by the controller's <see cref="ClusterConfigValidator"/>. Runs on the controller's event
/// loop (inside a command), where the image cannot change underneath; stateless otherwise.
/// </summary>
public static class ClusterConfigChanges
{
    private const sbyte Set = 0, Delete = 1, Append = 2, Subtract = 3;

    // Only names and types matter here; the controller's validator checks group values against this node's bounds.
    private static readonly Coordinator.Groups.GroupCoordinatorConfig s_kafkaGroupDefaults = new();

    /// <summary>Plans one IncrementalAlterConfigs resource (KIP-339 operations per key).</summary>
    public static ConfigChangePlan Incremental(MetadataImage image, ClusterConfigResolver resolver, sbyte resourceType, string resourceName,
        IReadOnlyList<(string Name, sbyte Operation, string? Value)> changes)
    {
        if (Check(image, resourceType, resourceName, changes.Select(c => c.Name).ToList()) is { } refused) return refused;
        var resource = ToResource(resourceType, resourceName);
        var configs = new List<AlterableConfig>(changes.Count);
        foreach (var (name, operation, value) in changes)
        {
            var definition = DefinitionOf(resourceType, name);
            switch (operation)
            {
                case Set:
                    configs.Add(new(name, AlterConfigOp.Set, value));
                    break;
                case Delete:
                    configs.Add(new(name, AlterConfigOp.Delete, null));
                    break;
                case Append or Subtract:
                    if (definition.Type != ConfigType.List)
                        return ConfigChangePlan.Refuse(ErrorCode.InvalidConfig, $"Config value append/subtract is not allowed for config key {name} of type {definition.Type}");
                    var current = resourceType == (sbyte)ConfigResourceType.Topic
                        ? resolver.ResolveTopic(image, resourceName, definition).Value
                        : image.GetConfig(resource, name) ?? definition.Default;
                    var list = ConfigListOperation.Apply(current, value, operation == Append);
                    // An emptied list returns to its default, as the controller does for its own list operations.
                    configs.Add(list.Length == 0 ? new(name, AlterConfigOp.Delete, null) : new(name, AlterConfigOp.Set, list));
                    break;
                default:
                    return ConfigChangePlan.Refuse(ErrorCode.InvalidRequest, $"Unknown config operation {operation}");
            }
        }
        return new(new AlterConfigsResource(resource, configs), ErrorCode.None, null);
    }

    /// <summary>Plans one legacy AlterConfigs resource: the configs given become its complete set of overrides.</summary>
    public static ConfigChangePlan Legacy(MetadataImage image, sbyte resourceType, string resourceName, IReadOnlyList<(string Name, string? Value)> configs)
    {
        if (Check(image, resourceType, resourceName, configs.Select(c => c.Name).ToList()) is { } refused) return refused;
        var resource = ToResource(resourceType, resourceName);
        var changes = configs.Select(c => new AlterableConfig(c.Name, c.Value is null ? AlterConfigOp.Delete : AlterConfigOp.Set, c.Value)).ToList();
        if (image.Configs.TryGetValue(resource, out var existing))
        {
            foreach (var name in existing.Keys)
                if (!configs.Any(c => c.Name == name)) changes.Add(new(name, AlterConfigOp.Delete, null));
        }
        return new(new AlterConfigsResource(resource, changes), ErrorCode.None, null);
    }

    /// <summary>
    /// Runs the accepted plans as one controller command (all-or-nothing per resource) and merges its results with
    /// the refusals, in request order.
    /// </summary>
    public static ControllerResult<IReadOnlyList<ConfigChangeOutcome>> Run(QuorumController controller, IReadOnlyList<ConfigChangePlan> plans, bool validateOnly)
    {
        var accepted = plans.Where(p => p.Resource is not null).Select(p => p.Resource!).ToList();
        var result = controller.IncrementalAlterConfigs(accepted, validateOnly);
        var outcomes = new List<ConfigChangeOutcome>(plans.Count);
        var next = 0;
        foreach (var plan in plans)
        {
            if (plan.Resource is null)
            {
                outcomes.Add(new(plan.Error, plan.Message));
            }
            else
            {
                var r = result.Response[next++];
                outcomes.Add(new(r.Error, r.Message));
            }
        }
        return new(result.Records, outcomes);
    }

    private static ConfigChangePlan? Check(MetadataImage image, sbyte resourceType, string resourceName, IReadOnlyList<string> names)
    {
        switch ((ConfigResourceType)resourceType)
        {
            case ConfigResourceType.Topic:
                if (image.GetTopic(resourceName) is null)
                    return ConfigChangePlan.Refuse(ErrorCode.UnknownTopicOrPartition, $"Topic {resourceName} does not exist.");
                break;
            case ConfigResourceType.Broker:
                if (resourceName.Length > 0 && !int.TryParse(resourceName, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                    return ConfigChangePlan.Refuse(ErrorCode.InvalidRequest, $"Broker resource name must be empty or a broker id, not '{resourceName}'.");
                break;
            case ConfigResourceType.ClientMetrics:
                if (resourceName.Length == 0) return ConfigChangePlan.Refuse(ErrorCode.InvalidRequest, "A client metrics subscription needs a name.");
                break;
            case ConfigResourceType.Group:
                // A group that does not exist may get configs (Kafka allows it); they apply once it forms.
                if (resourceName.Length == 0) return ConfigChangePlan.Refuse(ErrorCode.InvalidRequest, "Group name must not be empty.");
                break;
            default:
                return ConfigChangePlan.Refuse(ErrorCode.InvalidRequest, $"Unsupported resource type {resourceType}");
        }

        var duplicate = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) return ConfigChangePlan.Refuse(ErrorCode.InvalidRequest, $"Error due to duplicate config keys: {duplicate.Key}");

        var staticOnly = new List<string>();
        var perBrokerOnly = new List<string>();
        foreach (var name in names)
        {
            if (resourceType == (sbyte)ConfigResourceType.ClientMetrics)
            {
                if (!ClientMetricsConfigs.TryGet(name, out _)) return ConfigChangePlan.Refuse(ErrorCode.InvalidConfig, $"Unknown client metrics config name: {name}");
            }
            else if (resourceType == (sbyte)ConfigResourceType.Group)
            {
                if (!GroupConfigs.TryGet(s_kafkaGroupDefaults, name, out _)) return ConfigChangePlan.Refuse(ErrorCode.InvalidConfig, $"Unknown group config name: {name}");
            }
            else if (resourceType == (sbyte)ConfigResourceType.Topic)
            {
                if (!TopicConfigDefinitions.TryGet(name, out _)) return ConfigChangePlan.Refuse(ErrorCode.InvalidConfig, $"Unknown topic config name: {name}");
            }
            else if (!BrokerConfigDefinitions.TryGet(name, out _))
            {
                return ConfigChangePlan.Refuse(ErrorCode.InvalidConfig, $"Unknown broker config name: {name}");
            }
            else if (!BrokerConfigDefinitions.IsDynamic(name))
            {
                staticOnly.Add(name);
            }
            else if (resourceName.Length == 0 && BrokerConfigDefinitions.IsPerBrokerOnly(name))
            {
                perBrokerOnly.Add(name);
            }
        }
        if (staticOnly.Count == 0 && perBrokerOnly.Count > 0)
        {
            // Kafka's DynamicBrokerConfig throws a ConfigException for these, which clients see as INVALID_CONFIG.
            return ConfigChangePlan.Refuse(ErrorCode.InvalidConfig, $"Cannot update these configs at default cluster level, broker id must be specified: [{string.Join(", ", perBrokerOnly)}]");
        }
        // KIP-226: Kafka refuses the whole resource with INVALID_REQUEST when any key is read-only.
        return staticOnly.Count > 0
            ? ConfigChangePlan.Refuse(ErrorCode.InvalidRequest, $"Cannot update these configs dynamically: [{string.Join(", ", staticOnly)}] (set them with --set or the config file and restart)")
            : null;
    }

    private static ConfigResource ToResource(sbyte resourceType, string resourceName) => (ConfigResourceType)resourceType switch
    {
        ConfigResourceType.Topic => ConfigResource.Topic(resourceName),
        ConfigResourceType.ClientMetrics => ConfigResource.ClientMetrics(resourceName),
        ConfigResourceType.Group => ConfigResource.Group(resourceName),
        _ => ConfigResource.Broker(resourceName),
    };

    private static ConfigDefinition DefinitionOf(sbyte resourceType, string name)
    {
        ConfigDefinition definition;
        var known = (ConfigResourceType)resourceType switch
        {
            ConfigResourceType.Topic => TopicConfigDefinitions.TryGet(name, out definition),
            ConfigResourceType.ClientMetrics => ClientMetricsConfigs.TryGet(name, out definition),
            ConfigResourceType.Group => GroupConfigs.TryGet(s_kafkaGroupDefaults, name, out definition),
            _ => BrokerConfigDefinitions.TryGet(name, out definition),
        };
        return known ? definition : throw new InvalidOperationException($"{name} passed Check but has no definition");
    }
}
