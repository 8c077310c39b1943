using Fjord.Broker.Network;
using Fjord.Broker.Quorum;
using Fjord.Broker.Security;
using Fjord.Metadata.Acls;
using Fjord.Coordinator.Groups;
using Fjord.Metadata.Features;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers.Groups;

/// <summary>
/// ConsumerGroupDescribe (KIP-848, API 69), versions 0-1: group epoch, assignment epoch, assignor and every
/// member's subscription, current assignment and target assignment, topics named by id and name; v1 (KIP-1099)
/// adds each member's type, classic (0) for members that joined with JoinGroup (online migration) or consumer (1).
/// - A classic or unknown group answers GROUP_ID_NOT_FOUND (describe it with DescribeGroups).
/// - With an authorizer, a group the principal may not DESCRIBE gets GROUP_AUTHORIZATION_FAILED.
/// - IncludeAuthorizedOperations: the principal's READ, DELETE and DESCRIBE on the group (KIP-430).
/// - While group.version is 0 every group answers UNSUPPORTED_VERSION, as Kafka does.
/// </summary>
public sealed class ConsumerGroupDescribeHandler(GroupCoordinatorService coordinator, BrokerAuthorizer authorizer, MetadataQuorum quorum) : ApiHandler<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse>
{
    public override ApiKey ApiKey => ApiKey.ConsumerGroupDescribe;

    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, ConsumerGroupDescribeRequest request)
    {
        if (!GroupVersion.IsConsumerProtocolSupported(quorum.StateMachine.Image))
        {
            return ErrorResponse(request, ErrorCode.UnsupportedVersion);
        }

        var response = await coordinator.ConsumerGroupDescribeAsync(request.GroupIds).ConfigureAwait(false);
        foreach (var group in response.Groups)
        {
            if (!authorizer.Authorize(context, AclOperation.Describe, AclResourceType.Group, group.GroupId))
            {
                group.ErrorCode = (short)ErrorCode.GroupAuthorizationFailed;
                group.Members.Clear();
            }

            group.AuthorizedOperations = request.IncludeAuthorizedOperations
                ? authorizer.AuthorizedOperations(context, AclResourceType.Group, group.GroupId, AclResourceOperations.Group)
                : AuthorizedOperations.NotRequested;
        }

        return response;
    }

    protected override ConsumerGroupDescribeResponse ErrorResponse(ConsumerGroupDescribeRequest request, ErrorCode error)
    {
        var response = new ConsumerGroupDescribeResponse();
        foreach (var groupId in request.GroupIds)
        {
            response.Groups.Add(new ConsumerGroupDescribeResponse.DescribedGroup { GroupId = groupId, ErrorCode = (short)error });
        }

        return response;
    }
}
