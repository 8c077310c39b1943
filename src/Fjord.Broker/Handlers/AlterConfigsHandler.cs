using Fjord.Broker.Network;
using Fjord.Broker.Security;
using Fjord.Metadata.Acls;
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

namespace Fjord.Broker.Handlers;

/// <summary>
/// AlterConfigs, versions 0-2: the legacy whole-set replacement (the configs given become the
/// resource's complete set of overrides; every override not named is deleted), run as one
/// <see cref="Metadata.QuorumController.IncrementalAlterConfigs"/> command on the active controller or forwarded
/// there (KIP-590, <see cref="ControllerRequestRouter"/>), like Kafka's legacyAlterConfigs in KRaft.
/// - TOPIC and BROKER resources; rules and error codes in <see cref="ClusterConfigChanges"/>.
/// </summary>
public sealed class AlterConfigsHandler(ControllerRequestRouter router, BrokerAuthorizer authorizer) : ApiHandler<AlterConfigsRequest, AlterConfigsResponse>
{
    public override ApiKey ApiKey => ApiKey.AlterConfigs;

    public override short MinVersion => 0;

    public override short MaxVersion => 2;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, AlterConfigsRequest request) =>
        await router.RunAsync<IReadOnlyList<ConfigChangeOutcome>, AlterConfigsResponse>(context, request,
            c => ClusterConfigChanges.Run(c, [.. request.Resources.Select(r =>
                authorizer.AuthorizeConfigs(context, AclOperation.AlterConfigs, (ConfigResourceType)r.ResourceType, r.ResourceName) is not ErrorCode.None and var denied
                    ? ConfigChangePlan.Refuse(denied, $"Not authorized to alter the configs of {r.ResourceName}.")
                    : ClusterConfigChanges.Legacy(c.Image, r.ResourceType, r.ResourceName, [.. r.Configs.Select(x => (x.Name, x.Value))]))], request.ValidateOnly),
            outcomes => Respond(request, outcomes), error => ErrorResponse(request, error)).ConfigureAwait(false);

    private static AlterConfigsResponse Respond(AlterConfigsRequest request, IReadOnlyList<ConfigChangeOutcome> outcomes)
    {
        var response = new AlterConfigsResponse();
        for (var i = 0; i < outcomes.Count; i++)
        {
            var resource = request.Resources[i];
            response.Responses.Add(new()
            {
                ResourceType = resource.ResourceType,
                ResourceName = resource.ResourceName,
                ErrorCode = (short)outcomes[i].Error,
                ErrorMessage = outcomes[i].Message,
            });
        }
        return response;
    }

    protected override AlterConfigsResponse ErrorResponse(AlterConfigsRequest request, ErrorCode error)
    {
        var response = new AlterConfigsResponse();
        foreach (var resource in request.Resources)
            response.Responses.Add(new() { ResourceType = resource.ResourceType, ResourceName = resource.ResourceName, ErrorCode = (short)error });
        return response;
    }
}
