using System.Globalization;
using Fjord.Broker.Configuration;
using Fjord.Broker.Network;
using Fjord.Broker.Topics;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// DescribeConfigs, versions 1-4 (Kafka 4's minimum is 1).
/// - TOPIC resources: every topic config with its effective value and source (topic override,
///   static broker config, default); synonyms in precedence order when IncludeSynonyms.
/// - BROKER resources: this node's configs (name = node id, or empty for cluster defaults); all
///   read-only, since Fjord has no dynamic broker configs yet.
/// - ConfigurationKeys null means all; unknown keys are left out, as Kafka does.
/// - v3+: ConfigType, and Documentation when IncludeDocumentation.
/// </summary>
public sealed class DescribeConfigsHandler(TopicRegistry topics, TopicConfigResolver resolver, BrokerConfig config) : ApiHandler<DescribeConfigsRequest, DescribeConfigsResponse>
{
    public override ApiKey ApiKey => ApiKey.DescribeConfigs;

    public override short MinVersion => 1;

    public override short MaxVersion => 4;

    protected override ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, DescribeConfigsRequest request)
    {
        var response = new DescribeConfigsResponse();
        foreach (var resource in request.Resources)
        {
            var result = new DescribeConfigsResponse.DescribeConfigsResult
            {
                ResourceType = resource.ResourceType,
                ResourceName = resource.ResourceName,
            };
            var wanted = resource.ConfigurationKeys?.ToHashSet(StringComparer.Ordinal);
            switch ((ConfigResourceType)resource.ResourceType)
            {
                case ConfigResourceType.Topic:
                    DescribeTopic(resource.ResourceName, wanted, request, result);
                    break;
                case ConfigResourceType.Broker:
                    DescribeBroker(resource.ResourceName, wanted, request, result);
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

    private void DescribeTopic(string name, HashSet<string>? wanted, DescribeConfigsRequest request, DescribeConfigsResponse.DescribeConfigsResult result)
    {
        if (!topics.TryGet(name, out var topic))
        {
            result.ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
            result.ErrorMessage = $"Topic {name} does not exist";
            return;
        }

        foreach (var resolved in resolver.Resolve(topic.ConfigOverrides))
        {
            var definition = resolved.Definition;
            if (wanted is not null && !wanted.Contains(definition.Name))
            {
                continue;
            }

            var entry = Entry(definition, resolved.Value, resolved.Source, readOnly: false, request);
            if (request.IncludeSynonyms)
            {
                if (topic.ConfigOverrides.TryGetValue(definition.Name, out var own))
                {
                    entry.Synonyms.Add(new() { Name = definition.Name, Value = own, Source = (sbyte)ConfigSource.DynamicTopicConfig });
                }

                if (definition.BrokerSynonym is { } synonym && config.ExplicitKeys.Contains(synonym) && config.TryGetValue(synonym, out var brokerValue))
                {
                    entry.Synonyms.Add(new() { Name = synonym, Value = brokerValue, Source = (sbyte)ConfigSource.StaticBrokerConfig });
                }

                entry.Synonyms.Add(new() { Name = definition.BrokerSynonym ?? definition.Name, Value = definition.Default, Source = (sbyte)ConfigSource.DefaultConfig });
            }

            result.Configs.Add(entry);
        }
    }

    private void DescribeBroker(string name, HashSet<string>? wanted, DescribeConfigsRequest request, DescribeConfigsResponse.DescribeConfigsResult result)
    {
        if (name.Length > 0 && name != config.NodeId.ToString(CultureInfo.InvariantCulture))
        {
            result.ErrorCode = (short)ErrorCode.InvalidRequest;
            result.ErrorMessage = $"Unexpected broker id, expected {config.NodeId} or empty string, but received {name}";
            return;
        }

        foreach (var definition in BrokerConfigDefinitions.All)
        {
            if (wanted is not null && !wanted.Contains(definition.Name))
            {
                continue;
            }

            config.TryGetValue(definition.Name, out var value);
            var source = config.ExplicitKeys.Contains(definition.Name) ? ConfigSource.StaticBrokerConfig : ConfigSource.DefaultConfig;
            var entry = Entry(definition, value, source, readOnly: true, request);
            if (request.IncludeSynonyms)
            {
                entry.Synonyms.Add(new() { Name = definition.Name, Value = value, Source = (sbyte)source });
            }

            result.Configs.Add(entry);
        }
    }

    private static DescribeConfigsResponse.DescribeConfigsResourceResult Entry(ConfigDefinition definition, string? value, ConfigSource source, bool readOnly, DescribeConfigsRequest request) => new()
    {
        Name = definition.Name,
        Value = value,
        ReadOnly = readOnly,
        ConfigSource = (sbyte)source,
        IsSensitive = false,
        ConfigType = (sbyte)definition.Type,
        Documentation = request.IncludeDocumentation ? definition.Documentation : null,
    };

    protected override DescribeConfigsResponse ErrorResponse(DescribeConfigsRequest request, ErrorCode error)
    {
        var response = new DescribeConfigsResponse();
        foreach (var resource in request.Resources)
        {
            response.Results.Add(new() { ResourceType = resource.ResourceType, ResourceName = resource.ResourceName, ErrorCode = (short)error });
        }

        return response;
    }
}
