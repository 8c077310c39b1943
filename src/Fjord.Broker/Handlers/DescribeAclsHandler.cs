using Fjord.Broker.Network;
using Fjord.Broker.Quorum;
using Fjord.Broker.Security;
using Fjord.Metadata.Acls;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// DescribeAcls, versions 0-3: the bindings of the committed metadata image that the filter matches (ANY and MATCH
/// pattern filters as in Kafka), grouped by resource pattern. Answered by any node.
/// - Needs DESCRIBE on the cluster, else CLUSTER_AUTHORIZATION_FAILED; without an authorizer SECURITY_DISABLED.
/// - An UNKNOWN code in the filter gets INVALID_REQUEST.
/// </summary>
public sealed class DescribeAclsHandler(MetadataQuorum quorum, BrokerAuthorizer authorizer) : ApiHandler<DescribeAclsRequest, DescribeAclsResponse>
{
    public override ApiKey ApiKey => ApiKey.DescribeAcls;

    public override short MinVersion => 0;

    public override short MaxVersion => 3;

    protected override ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, DescribeAclsRequest request)
    {
        if (!authorizer.Enabled) return new(ErrorResponse(request, ErrorCode.SecurityDisabled));
        var filter = new AclBindingFilter((AclResourceType)request.ResourceTypeFilter, request.ResourceNameFilter, (AclPatternType)request.PatternTypeFilter,
            request.PrincipalFilter, request.HostFilter, (AclOperation)request.Operation, (AclPermissionType)request.PermissionType);
        if (filter.Invalid() is { } invalid)
        {
            var refused = ErrorResponse(request, ErrorCode.InvalidRequest);
            refused.ErrorMessage = invalid;
            return new(refused);
        }

        var response = new DescribeAclsResponse { ErrorMessage = null };
        var matching = quorum.StateMachine.Image.Acls.Values.Where(filter.Matches)
            .GroupBy(b => (b.ResourceType, b.ResourceName, b.PatternType))
            .OrderBy(g => g.Key.ResourceType).ThenBy(g => g.Key.ResourceName, StringComparer.Ordinal).ThenBy(g => g.Key.PatternType);
        foreach (var group in matching)
        {
            var resource = new DescribeAclsResponse.DescribeAclsResource
            {
                ResourceType = (sbyte)group.Key.ResourceType,
                ResourceName = group.Key.ResourceName,
                PatternType = (sbyte)group.Key.PatternType,
            };
            foreach (var b in group)
                resource.Acls.Add(new DescribeAclsResponse.AclDescription { Principal = b.Principal, Host = b.Host, Operation = (sbyte)b.Operation, PermissionType = (sbyte)b.Permission });
            response.Resources.Add(resource);
        }

        return new(response);
    }

    protected override DescribeAclsResponse ErrorResponse(DescribeAclsRequest request, ErrorCode error) =>
        new() { ErrorCode = (short)error, ErrorMessage = null };
}
