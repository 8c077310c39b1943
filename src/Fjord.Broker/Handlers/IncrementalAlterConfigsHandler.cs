using Fjord.Broker.Configuration;
using Fjord.Broker.Network;
using Fjord.Broker.Topics;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// IncrementalAlterConfigs, versions 0-1 (KIP-339).
/// - Operations: SET (0), DELETE (1, back to the default), APPEND (2) and SUBTRACT (3) for list
///   configs such as cleanup.policy, applied to the topic's current effective value.
/// - A config named twice in one resource, APPEND/SUBTRACT on a non-list config, an unknown
///   name or a bad value fail the resource with INVALID_CONFIG / INVALID_REQUEST and change nothing.
/// - TOPIC resources only; BROKER resources get INVALID_REQUEST (no dynamic broker configs yet).
/// </summary>
public sealed class IncrementalAlterConfigsHandler(TopicRegistry topics, TopicConfigResolver resolver) : ApiHandler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>
{
    private const sbyte Set = 0, Delete = 1, Append = 2, Subtract = 3;

    public override ApiKey ApiKey => ApiKey.IncrementalAlterConfigs;

    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    protected override ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, IncrementalAlterConfigsRequest request)
    {
        var response = new IncrementalAlterConfigsResponse();
        foreach (var resource in request.Resources)
        {
            var result = new IncrementalAlterConfigsResponse.AlterConfigsResourceResponse { ResourceType = resource.ResourceType, ResourceName = resource.ResourceName };
            var (error, message) = (ConfigResourceType)resource.ResourceType == ConfigResourceType.Topic
                ? AlterTopic(resource, request.ValidateOnly)
                : (ErrorCode.InvalidRequest, "Only topic configs can be altered; broker configs are static (--set or the config file)");
            result.ErrorCode = (short)error;
            result.ErrorMessage = message;
            response.Responses.Add(result);
        }

        return new(response);
    }

    private (ErrorCode, string?) AlterTopic(IncrementalAlterConfigsRequest.AlterConfigsResource resource, bool validateOnly)
    {
        if (!topics.TryGet(resource.ResourceName, out var topic))
        {
            return (ErrorCode.UnknownTopicOrPartition, $"Topic {resource.ResourceName} does not exist.");
        }

        var duplicate = resource.Configs.GroupBy(c => c.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            return (ErrorCode.InvalidRequest, $"Error due to duplicate config keys: {duplicate.Key}");
        }

        var overrides = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value) in topic.ConfigOverrides)
        {
            overrides[key] = value;
        }

        foreach (var change in resource.Configs)
        {
            if (!TopicConfigDefinitions.TryGet(change.Name, out var definition))
            {
                return (ErrorCode.InvalidConfig, $"Unknown topic config name: {change.Name}");
            }

            switch (change.ConfigOperation)
            {
                case Set:
                    overrides[change.Name] = change.Value;
                    break;
                case Delete:
                    overrides.Remove(change.Name);
                    break;
                case Append or Subtract:
                    if (definition.Type != ConfigType.List)
                    {
                        return (ErrorCode.InvalidConfig, $"Config value append/subtract is not allowed for config key {change.Name} of type {definition.Type}");
                    }

                    overrides[change.Name] = ConfigListOperation.Apply(
                        resolver.ResolveOne(definition, topic.ConfigOverrides).Value, change.Value, change.ConfigOperation == Append);
                    break;
                default:
                    return (ErrorCode.InvalidRequest, $"Unknown config operation {change.ConfigOperation}");
            }
        }

        var outcome = topics.SetConfigs(topic.Name, overrides, validateOnly);
        return (outcome.Error, outcome.Message);
    }

    protected override IncrementalAlterConfigsResponse ErrorResponse(IncrementalAlterConfigsRequest request, ErrorCode error)
    {
        var response = new IncrementalAlterConfigsResponse();
        foreach (var resource in request.Resources)
        {
            response.Responses.Add(new() { ResourceType = resource.ResourceType, ResourceName = resource.ResourceName, ErrorCode = (short)error });
        }

        return response;
    }
}
