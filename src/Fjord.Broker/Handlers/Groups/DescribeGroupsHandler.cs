using Fjord.Broker.Network;
using Fjord.Broker.Security;
using Fjord.Metadata.Acls;
using Fjord.Coordinator.Groups;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers.Groups;

/// <summary>
/// DescribeGroups, versions 0-5 (librdkafka 0-4/0-5, kafkajs 0-2, AdminClient).
/// - Unknown groups are described as state "Dead" with no error, as Kafka does before v6.
/// - Member metadata (subscription) and assignment are filled only when the group is Stable.
/// - With an authorizer, a group the principal may not DESCRIBE gets GROUP_AUTHORIZATION_FAILED.
/// - v3+ IncludeAuthorizedOperations: the principal's READ, DELETE and DESCRIBE on the group (KIP-430).
/// - v4+ shows group.instance.id of static members.
/// </summary>
public sealed class DescribeGroupsHandler(GroupCoordinatorService coordinator, BrokerAuthorizer authorizer) : ApiHandler<DescribeGroupsRequest, DescribeGroupsResponse>
{
    public override ApiKey ApiKey => ApiKey.DescribeGroups;

    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, DescribeGroupsRequest request)
    {
        var response = new DescribeGroupsResponse();
        foreach (var groupId in request.Groups)
        {
            if (!authorizer.Authorize(context, AclOperation.Describe, AclResourceType.Group, groupId))
            {
                response.Groups.Add(new DescribeGroupsResponse.DescribedGroup { GroupId = groupId, ErrorCode = (short)ErrorCode.GroupAuthorizationFailed, AuthorizedOperations = AuthorizedOperations.NotRequested });
                continue;
            }

            var described = await coordinator.DescribeGroupAsync(groupId).ConfigureAwait(false);
            described.AuthorizedOperations = request.IncludeAuthorizedOperations
                ? authorizer.AuthorizedOperations(context, AclResourceType.Group, groupId, AclResourceOperations.Group)
                : AuthorizedOperations.NotRequested;
            if (context.ApiVersion < 4)
            {
                foreach (var member in described.Members)
                {
                    member.GroupInstanceId = null;
                }
            }

            response.Groups.Add(described);
        }

        return response;
    }

    protected override DescribeGroupsResponse ErrorResponse(DescribeGroupsRequest request, ErrorCode error)
    {
        var response = new DescribeGroupsResponse();
        foreach (var groupId in request.Groups)
        {
            response.Groups.Add(new DescribeGroupsResponse.DescribedGroup { GroupId = groupId, ErrorCode = (short)error, GroupState = "Dead" });
        }

        return response;
    }
}
