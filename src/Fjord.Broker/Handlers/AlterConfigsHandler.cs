using Fjord.Broker.Network;
using Fjord.Broker.Topics;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// AlterConfigs, versions 0-2: the legacy whole-set replacement. The configs given become the
/// topic's complete set of overrides; every config not named returns to its default.
/// - TOPIC resources only. BROKER resources get INVALID_REQUEST: Fjord has no dynamic broker
///   configs yet (set them with --set or the config file and restart).
/// - An unknown config name or bad value fails the resource with INVALID_CONFIG and changes nothing.
/// </summary>
public sealed class AlterConfigsHandler(TopicRegistry topics) : ApiHandler<AlterConfigsRequest, AlterConfigsResponse>
{
    public override ApiKey ApiKey => ApiKey.AlterConfigs;

    public override short MinVersion => 0;

    public override short MaxVersion => 2;

    protected override ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, AlterConfigsRequest request)
    {
        var response = new AlterConfigsResponse();
        foreach (var resource in request.Resources)
        {
            var result = new AlterConfigsResponse.AlterConfigsResourceResponse { ResourceType = resource.ResourceType, ResourceName = resource.ResourceName };
            if ((ConfigResourceType)resource.ResourceType != ConfigResourceType.Topic)
            {
                result.ErrorCode = (short)ErrorCode.InvalidRequest;
                result.ErrorMessage = "Only topic configs can be altered; broker configs are static (--set or the config file)";
            }
            else
            {
                var overrides = new Dictionary<string, string?>(StringComparer.Ordinal);
                foreach (var entry in resource.Configs)
                {
                    overrides[entry.Name] = entry.Value;
                }

                var outcome = topics.SetConfigs(resource.ResourceName, overrides, request.ValidateOnly);
                result.ErrorCode = (short)outcome.Error;
                result.ErrorMessage = outcome.Message;
            }

            response.Responses.Add(result);
        }

        return new(response);
    }

    protected override AlterConfigsResponse ErrorResponse(AlterConfigsRequest request, ErrorCode error)
    {
        var response = new AlterConfigsResponse();
        foreach (var resource in request.Resources)
        {
            response.Responses.Add(new() { ResourceType = resource.ResourceType, ResourceName = resource.ResourceName, ErrorCode = (short)error });
        }

        return response;
    }
}
