using System.Globalization;
using Fjord.Broker.ClientMetrics;
using Fjord.Broker.Configuration;
using Fjord.Broker.Network;
using Fjord.Broker.Security;
using Fjord.Metadata.Acls;
using Fjord.Metadata;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;
using Fjord.Coordinator.Groups;

namespace Fjord.Broker.Handlers;

/// <summary>
/// DescribeConfigs, versions 1-4: answered by any node from its committed metadata image
/// (no controller round trip), with the precedence of <see cref="ClusterConfigResolver"/>.
/// - TOPIC resources: every topic config with its effective value and Kafka's source (DYNAMIC_TOPIC_CONFIG,
///   DYNAMIC_BROKER_CONFIG, DYNAMIC_DEFAULT_BROKER_CONFIG, STATIC_BROKER_CONFIG, DEFAULT_CONFIG); a topic the image
///   does not hold is UNKNOWN_TOPIC_OR_PARTITION.
/// - BROKER resource "" (cluster default): only the dynamic defaults set in the image, as Kafka answers.
/// - BROKER resource = this node's id: every broker config, read-only unless dynamic
///   (<see cref="BrokerConfigDefinitions.IsDynamic"/>), and the node settings under Kafka's names
///   (<see cref="KafkaNodeConfigs"/>: broker.id, log.dirs, listeners, ...; read-only); another id is INVALID_REQUEST (clients send it to that broker).
/// - CLIENT_METRICS resources (KIP-714 subscriptions): metrics, interval.ms and match, set (CLIENT_METRICS_CONFIG)
///   or default; a name without configs answers the defaults.
/// - GROUP resources (KIP-848, <see cref="GroupConfigs"/>): consumer.session.timeout.ms and
///   consumer.heartbeat.interval.ms, set (GROUP_CONFIG, 8) or at the broker's group.consumer.* values; any group id.
/// - ConfigurationKeys null means all; unknown keys are left out. Synonyms when IncludeSynonyms; v3+ ConfigType and
///   Documentation when IncludeDocumentation.
/// Thread-safe: reads the immutable image.
/// </summary>
public sealed class DescribeConfigsHandler(MetadataQuorum quorum, ClusterConfigResolver resolver, BrokerConfig config, BrokerAuthorizer authorizer)
    : ApiHandler<DescribeConfigsRequest, DescribeConfigsResponse>
{
    // The defaults a GROUP resource reports are this broker's group.consumer.* values.
    private readonly GroupCoordinatorConfig _groupDefaults = GroupCoordinatorConfigs.FromBrokerConfig(config);

    public override ApiKey ApiKey => ApiKey.DescribeConfigs;

    public override short MinVersion => 1;

    public override short MaxVersion => 4;

    protected override ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, DescribeConfigsRequest request)
    {
        var image = quorum.StateMachine.Image;
        var response = new DescribeConfigsResponse();
        foreach (var resource in request.Resources)
        {
            var result = new DescribeConfigsResponse.DescribeConfigsResult { ResourceType = resource.ResourceType, ResourceName = resource.ResourceName };
            var wanted = resource.ConfigurationKeys?.ToHashSet(StringComparer.Ordinal);
            if (authorizer.AuthorizeConfigs(context, AclOperation.DescribeConfigs, (ConfigResourceType)resource.ResourceType, resource.ResourceName) is not ErrorCode.None and var denied)
            {
                result.ErrorCode = (short)denied;
                response.Results.Add(result);
                continue;
            }

            switch ((ConfigResourceType)resource.ResourceType)
            {
                case ConfigResourceType.Topic when image.GetTopic(resource.ResourceName) is null:
                    result.ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
                    result.ErrorMessage = $"Topic {resource.ResourceName} does not exist";
                    break;
                case ConfigResourceType.Topic:
                    foreach (var definition in TopicConfigDefinitions.All)
                        if (wanted is null || wanted.Contains(definition.Name))
                            result.Configs.Add(Entry(resolver.ResolveTopic(image, resource.ResourceName, definition), readOnly: false, request));
                    break;
                case ConfigResourceType.Broker when resource.ResourceName.Length == 0:
                    DescribeClusterDefault(image, wanted, request, result);
                    break;
                case ConfigResourceType.Broker when resource.ResourceName == config.NodeId.ToString(CultureInfo.InvariantCulture):
                    foreach (var definition in BrokerConfigDefinitions.All)
                        if (wanted is null || wanted.Contains(definition.Name))
                            result.Configs.Add(Entry(resolver.ResolveBroker(image, definition), readOnly: !BrokerConfigDefinitions.IsDynamic(definition.Name), request));
                    foreach (var (definition, value) in KafkaNodeConfigs.Describe(config, quorum.Voters))
                        if (wanted is null || wanted.Contains(definition.Name))
                            result.Configs.Add(Entry(new(definition, value, ConfigSource.StaticBrokerConfig, [new(definition.Name, value, ConfigSource.StaticBrokerConfig)]), readOnly: true, request));
                    break;
                case ConfigResourceType.ClientMetrics:
                    DescribeDynamic(image, ConfigResource.ClientMetrics(resource.ResourceName), ClientMetricsConfigs.All, ConfigSource.ClientMetricsConfig, wanted, request, result);
                    break;
                case ConfigResourceType.Group when resource.ResourceName.Length == 0:
                    result.ErrorCode = (short)ErrorCode.InvalidRequest;
                    result.ErrorMessage = "Group name must not be empty.";
                    break;
                case ConfigResourceType.Group:
                    DescribeDynamic(image, ConfigResource.Group(resource.ResourceName), GroupConfigs.All(_groupDefaults), ConfigSource.GroupConfig, wanted, request, result);
                    break;
                case ConfigResourceType.Broker:
                    result.ErrorCode = (short)ErrorCode.InvalidRequest;
                    result.ErrorMessage = $"Unexpected broker id, expected {config.NodeId} or empty string, but received {resource.ResourceName}";
                    break;
                default:
                    result.ErrorCode = (short)ErrorCode.InvalidRequest;
                    result.ErrorMessage = $"Unsupported resource type {resource.ResourceType}";
                    break;
            }
            response.Results.Add(result);
        }
        return new(response);
    }

    private static void DescribeClusterDefault(MetadataImage image, HashSet<string>? wanted, DescribeConfigsRequest request, DescribeConfigsResponse.DescribeConfigsResult result)
    {
        if (!image.Configs.TryGetValue(ConfigResource.ClusterDefault, out var defaults)) return;
        foreach (var (name, value) in defaults)
        {
            if ((wanted is not null && !wanted.Contains(name)) || !BrokerConfigDefinitions.TryGet(name, out var definition)) continue;
            var synonym = new ClusterConfigResolver.Synonym(name, value, ConfigSource.DynamicDefaultBrokerConfig);
            result.Configs.Add(Entry(new(definition, value, ConfigSource.DynamicDefaultBrokerConfig, [synonym]), readOnly: false, request));
        }
    }

    /// <summary>A resource whose configs are either set on it (<paramref name="setSource"/>) or at their defaults.</summary>
    private static void DescribeDynamic(MetadataImage image, ConfigResource resource, IReadOnlyList<ConfigDefinition> definitions, ConfigSource setSource,
        HashSet<string>? wanted, DescribeConfigsRequest request, DescribeConfigsResponse.DescribeConfigsResult result)
    {
        foreach (var definition in definitions)
        {
            if (wanted is not null && !wanted.Contains(definition.Name)) continue;
            var value = image.GetConfig(resource, definition.Name);
            var resolved = value is null
                ? new ClusterConfigResolver.Resolved(definition, definition.Default, ConfigSource.DefaultConfig, [])
                : new ClusterConfigResolver.Resolved(definition, value, setSource, [new(definition.Name, value, setSource)]);
            result.Configs.Add(Entry(resolved, readOnly: false, request));
        }
    }

    private static DescribeConfigsResponse.DescribeConfigsResourceResult Entry(ClusterConfigResolver.Resolved resolved, bool readOnly, DescribeConfigsRequest request)
    {
        // Passwords (ssl.key.password) are never sent back, as in Kafka: null value, is_sensitive set.
        var sensitive = resolved.Definition.Type == ConfigType.Password;
        var entry = new DescribeConfigsResponse.DescribeConfigsResourceResult
        {
            Name = resolved.Definition.Name,
            Value = sensitive ? null : resolved.Value,
            ReadOnly = readOnly,
            ConfigSource = (sbyte)resolved.Source,
            IsSensitive = sensitive,
            ConfigType = (sbyte)resolved.Definition.Type,
            Documentation = request.IncludeDocumentation ? resolved.Definition.Documentation : null,
        };
        if (request.IncludeSynonyms)
            foreach (var synonym in resolved.Synonyms)
                entry.Synonyms.Add(new() { Name = synonym.Name, Value = sensitive ? null : synonym.Value, Source = (sbyte)synonym.Source });
        return entry;
    }

    protected override DescribeConfigsResponse ErrorResponse(DescribeConfigsRequest request, ErrorCode error)
    {
        var response = new DescribeConfigsResponse();
        foreach (var resource in request.Resources)
            response.Results.Add(new() { ResourceType = resource.ResourceType, ResourceName = resource.ResourceName, ErrorCode = (short)error });
        return response;
    }
}
