using Fjord.Broker.Network;
using Fjord.Broker.Security;
using Fjord.Metadata.Acls;
using Fjord.Coordinator.Groups;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers.Groups;

/// <summary>
/// DeleteGroups, versions 0-2 (librdkafka, kafkajs and AdminClient.DeleteConsumerGroups).
/// - Only empty groups can be deleted (NON_EMPTY_GROUP otherwise); unknown ones: GROUP_ID_NOT_FOUND.
/// - Deletion writes tombstones for every committed offset and for the group metadata.
/// </summary>
public sealed class DeleteGroupsHandler(GroupCoordinatorService coordinator, BrokerAuthorizer authorizer) : ApiHandler<DeleteGroupsRequest, DeleteGroupsResponse>
{
    public override ApiKey ApiKey => ApiKey.DeleteGroups;

    public override short MinVersion => 0;

    public override short MaxVersion => 2;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, DeleteGroupsRequest request)
    {
        // Kafka: a group the principal may not DELETE gets GROUP_AUTHORIZATION_FAILED; the others are deleted.
        var denied = request.GroupsNames.Where(g => !authorizer.Authorize(context, AclOperation.Delete, AclResourceType.Group, g)).ToHashSet(StringComparer.Ordinal);
        var response = await coordinator.DeleteGroupsAsync([.. request.GroupsNames.Where(g => !denied.Contains(g))]).ConfigureAwait(false);
        foreach (var groupId in denied)
            response.Results.Add(new DeleteGroupsResponse.DeletableGroupResult { GroupId = groupId, ErrorCode = (short)ErrorCode.GroupAuthorizationFailed });
        return response;
    }

    protected override DeleteGroupsResponse ErrorResponse(DeleteGroupsRequest request, ErrorCode error)
    {
        var response = new DeleteGroupsResponse();
        foreach (var groupId in request.GroupsNames)
        {
            response.Results.Add(new DeleteGroupsResponse.DeletableGroupResult { GroupId = groupId, ErrorCode = (short)error });
        }

        return response;
    }
}
