using Fjord.Broker.Network;
using Fjord.Coordinator.Groups;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers.Groups;

/// <summary>
/// ConsumerGroupDescribe (KIP-848, API 69), version 0: group epoch, assignment epoch, assignor and every
/// member's subscription, current assignment and target assignment, topics named by id and name.
/// - A classic or unknown group answers GROUP_ID_NOT_FOUND (describe it with DescribeGroups).
/// - IncludeAuthorizedOperations: Fjord has no authorizer, so READ, DELETE and DESCRIBE are all allowed.
/// </summary>
public sealed class ConsumerGroupDescribeHandler(GroupCoordinatorService coordinator) : ApiHandler<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse>
{
    public override ApiKey ApiKey => ApiKey.ConsumerGroupDescribe;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, ConsumerGroupDescribeRequest request)
    {
        var response = await coordinator.ConsumerGroupDescribeAsync(request.GroupIds).ConfigureAwait(false);
        foreach (var group in response.Groups)
        {
            group.AuthorizedOperations = request.IncludeAuthorizedOperations ? AuthorizedOperations.Group : AuthorizedOperations.NotRequested;
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
