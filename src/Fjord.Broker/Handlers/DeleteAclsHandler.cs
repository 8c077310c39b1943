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
/// DeleteAcls, versions 0-3 (KIP-801): one <see cref="QuorumController.DeleteAcls"/> command on the active controller
/// removes every binding each filter matches (ANY and MATCH pattern filters as in Kafka); other nodes forward it (KIP-590).
/// - Needs ALTER on the cluster, else CLUSTER_AUTHORIZATION_FAILED; without an authorizer SECURITY_DISABLED.
/// - Each filter lists the bindings it removed; an UNKNOWN code fails that filter with INVALID_REQUEST.
/// </summary>
public sealed class DeleteAclsHandler(ControllerRequestRouter router, BrokerAuthorizer authorizer) : ApiHandler<DeleteAclsRequest, DeleteAclsResponse>
{
    public override ApiKey ApiKey => ApiKey.DeleteAcls;

    public override short MinVersion => 0;

    public override short MaxVersion => 3;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, DeleteAclsRequest request)
    {
        if (!authorizer.Enabled) return ErrorResponse(request, ErrorCode.SecurityDisabled);
        var filters = request.Filters.Select(f => new AclBindingFilter((AclResourceType)f.ResourceTypeFilter, f.ResourceNameFilter, (AclPatternType)f.PatternTypeFilter,
            f.PrincipalFilter, f.HostFilter, (AclOperation)f.Operation, (AclPermissionType)f.PermissionType)).ToList();
        return await router.RunAsync<IReadOnlyList<AclDeletionResult>, DeleteAclsResponse>(context, request,
            c => c.DeleteAcls(filters), Respond, error => ErrorResponse(request, error)).ConfigureAwait(false);
    }

    private static DeleteAclsResponse Respond(IReadOnlyList<AclDeletionResult> results)
    {
        var response = new DeleteAclsResponse();
        foreach (var r in results)
        {
            var filterResult = new DeleteAclsResponse.DeleteAclsFilterResult { ErrorCode = (short)r.Error, ErrorMessage = r.Message };
            foreach (var b in r.Deleted)
                filterResult.MatchingAcls.Add(new DeleteAclsResponse.DeleteAclsMatchingAcl
                {
                    ResourceType = (sbyte)b.ResourceType,
                    ResourceName = b.ResourceName,
                    PatternType = (sbyte)b.PatternType,
                    Principal = b.Principal,
                    Host = b.Host,
                    Operation = (sbyte)b.Operation,
                    PermissionType = (sbyte)b.Permission,
                });
            response.FilterResults.Add(filterResult);
        }
        return response;
    }

    protected override DeleteAclsResponse ErrorResponse(DeleteAclsRequest request, ErrorCode error)
    {
        var response = new DeleteAclsResponse();
        foreach (var _ in request.Filters)
            response.FilterResults.Add(new DeleteAclsResponse.DeleteAclsFilterResult { ErrorCode = (short)error, ErrorMessage = null });
        return response;
    }
}
