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
/// IncrementalAlterConfigs, versions 0-1, (KIP-339): the changes become one
/// <see cref="Metadata.QuorumController.IncrementalAlterConfigs"/> command on the active controller, answered once
/// its ConfigRecords commit; any other node forwards the request there (KIP-590, <see cref="ControllerRequestRouter"/>).
/// Every node then applies the committed configs to its own replicas (<see cref="BrokerMetadataPublisher"/>).
/// - TOPIC and BROKER resources ("" = cluster-wide default, or a broker id); see <see cref="ClusterConfigChanges"/>
///   for the rules and error codes. Each resource succeeds or fails as a whole; ValidateOnly writes nothing.
/// </summary>
public sealed class IncrementalAlterConfigsHandler(ControllerRequestRouter router, ClusterConfigResolver resolver, BrokerAuthorizer authorizer)
    : ApiHandler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>
{
    public override ApiKey ApiKey => ApiKey.IncrementalAlterConfigs;

    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, IncrementalAlterConfigsRequest request) =>
        await router.RunAsync<IReadOnlyList<ConfigChangeOutcome>, IncrementalAlterConfigsResponse>(context, request,
            c => ClusterConfigChanges.Run(c, [.. request.Resources.Select(r =>
                authorizer.AuthorizeConfigs(context, AclOperation.AlterConfigs, (ConfigResourceType)r.ResourceType, r.ResourceName) is not ErrorCode.None and var denied
                    ? ConfigChangePlan.Refuse(denied, $"Not authorized to alter the configs of {r.ResourceName}.")
                    : ClusterConfigChanges.Incremental(c.Image, resolver, r.ResourceType, r.ResourceName, [.. r.Configs.Select(x => (x.Name, x.ConfigOperation, x.Value))]))], request.ValidateOnly),
            outcomes => Respond(request, outcomes), error => ErrorResponse(request, error)).ConfigureAwait(false);

    private static IncrementalAlterConfigsResponse Respond(IncrementalAlterConfigsRequest request, IReadOnlyList<ConfigChangeOutcome> outcomes)
    {
        var response = new IncrementalAlterConfigsResponse();
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

    protected override IncrementalAlterConfigsResponse ErrorResponse(IncrementalAlterConfigsRequest request, ErrorCode error)
    {
        var response = new IncrementalAlterConfigsResponse();
        foreach (var resource in request.Resources)
            response.Responses.Add(new() { ResourceType = resource.ResourceType, ResourceName = resource.ResourceName, ErrorCode = (short)error });
        return response;
    }
}
