using Fjord.Broker.Controller;
using Fjord.Broker.Network;
using Fjord.Broker.Security;
using Fjord.Metadata;
using Fjord.Metadata.Acls;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// CreateAcls, versions 0-3 (KIP-801): the bindings become one <see cref="QuorumController.CreateAcls"/> command on
/// the active controller, answered once its records commit; other nodes forward the request there (KIP-590).
/// - Needs ALTER on the cluster (<see cref="RequestAuthorization"/>), else CLUSTER_AUTHORIZATION_FAILED.
/// - Without an authorizer: SECURITY_DISABLED, as Kafka.
/// - Each creation succeeds or fails alone: INVALID_REQUEST for filter-only codes (ANY, MATCH, UNKNOWN), an empty name, a
///   CLUSTER name other than kafka-cluster, a principal not <c>Type:name</c>. v0 has no pattern type: LITERAL.
/// </summary>
public sealed class CreateAclsHandler(ControllerRequestRouter router, BrokerAuthorizer authorizer) : ApiHandler<CreateAclsRequest, CreateAclsResponse>
{
    public override ApiKey ApiKey => ApiKey.CreateAcls;

    public override short MinVersion => 0;

    public override short MaxVersion => 3;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, CreateAclsRequest request)
    {
        if (!authorizer.Enabled) return ErrorResponse(request, ErrorCode.SecurityDisabled);
        var bindings = request.Creations.Select(c => new AclBinding((AclResourceType)c.ResourceType, c.ResourceName, (AclPatternType)c.ResourcePatternType,
            c.Principal, c.Host, (AclOperation)c.Operation, (AclPermissionType)c.PermissionType)).ToList();
        return await router.RunAsync<IReadOnlyList<Metadata.AclCreationResult>, CreateAclsResponse>(context, request,
            c => c.CreateAcls(bindings), Respond, error => ErrorResponse(request, error)).ConfigureAwait(false);
    }

    private static CreateAclsResponse Respond(IReadOnlyList<Metadata.AclCreationResult> results)
    {
        var response = new CreateAclsResponse();
        foreach (var r in results)
            response.Results.Add(new CreateAclsResponse.AclCreationResult { ErrorCode = (short)r.Error, ErrorMessage = r.Message });
        return response;
    }

    protected override CreateAclsResponse ErrorResponse(CreateAclsRequest request, ErrorCode error)
    {
        var response = new CreateAclsResponse();
        foreach (var _ in request.Creations)
            response.Results.Add(new CreateAclsResponse.AclCreationResult { ErrorCode = (short)error, ErrorMessage = null });
        return response;
    }
}
