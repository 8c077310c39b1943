using Fjord.Broker.Network;
using Fjord.Broker.Security;
using Fjord.Metadata.Acls;
using Fjord.Coordinator.Groups;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers.Groups;

/// <summary>
/// ListGroups, versions 0-5 (librdkafka 0-4/0-5, kafkajs 0-2, kafka-python admin 0-1).
/// - Lists the groups of every <c>__consumer_offsets</c> partition this node coordinates; Dead groups never.
/// - v4+ StatesFilter (KIP-518) and v5+ TypesFilter (KIP-848; all Fjord groups are "classic")
///   match case-insensitively; an empty filter matches everything.
/// - While partitions load: COORDINATOR_LOAD_IN_PROGRESS with the groups loaded so far.
/// </summary>
public sealed class ListGroupsHandler(GroupCoordinatorService coordinator, BrokerAuthorizer authorizer) : ApiHandler<ListGroupsRequest, ListGroupsResponse>
{
    public override ApiKey ApiKey => ApiKey.ListGroups;

    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, ListGroupsRequest request)
    {
        var states = context.ApiVersion >= 4 ? request.StatesFilter : [];
        var types = context.ApiVersion >= 5 ? request.TypesFilter : [];
        var response = await coordinator.ListGroupsAsync(states, types).ConfigureAwait(false);
        // Kafka: DESCRIBE on the cluster lists every group; otherwise only the groups the principal may DESCRIBE.
        if (!authorizer.AuthorizeCluster(context, AclOperation.Describe))
            response.Groups.RemoveAll(g => !authorizer.Authorize(context, AclOperation.Describe, AclResourceType.Group, g.GroupId));
        if (context.ApiVersion < 4)
        {
            foreach (var group in response.Groups)
            {
                group.GroupState = "";
            }
        }

        if (context.ApiVersion < 5)
        {
            foreach (var group in response.Groups)
            {
                group.GroupType = "";
            }
        }

        return response;
    }

    protected override ListGroupsResponse ErrorResponse(ListGroupsRequest request, ErrorCode error) => new() { ErrorCode = (short)error };
}
