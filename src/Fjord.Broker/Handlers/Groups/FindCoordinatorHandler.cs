using Fjord.Broker.Handlers;
using Fjord.Broker.Network;
using Fjord.Broker.Security;
using Fjord.Metadata.Acls;
using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Coordinator.Groups;
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

namespace Fjord.Broker.Handlers.Groups;

/// <summary>
/// FindCoordinator, versions 0-5, (Kafka's KafkaApis.handleFindCoordinatorRequest):
/// - v0-3 ask for one key; v4+ batch keys in CoordinatorKeys and get one Coordinator entry each.
/// - Key type 0 (group): the coordinator is the leader of <c>__consumer_offsets</c> partition
///   PartitionFor(group) in the committed metadata image, with its advertised Kafka endpoint. Every node
///   answers the same, so members bootstrapping from different nodes meet at one coordinator.
/// - Missing topic: created through the controller (<see cref="InternalTopicCreator"/>) and
///   COORDINATOR_NOT_AVAILABLE meanwhile — also while fewer brokers than
///   <c>offsets.topic.replication.factor</c> are registered. Leaderless partition or a fenced leader:
///   COORDINATOR_NOT_AVAILABLE (clients retry).
/// - Key type 1 (transaction): Fjord has no transaction coordinator yet, so TRANSACTIONAL_ID_AUTHORIZATION_FAILED with
///   a message saying so. librdkafka, the Java client and kafka-python treat that code as fatal in init_transactions
///   and fail at once; the retriable COORDINATOR_NOT_AVAILABLE made them retry until their timeout. The other fatal
///   candidates say something false (CLUSTER_AUTHORIZATION_FAILED) or are retried (UNSUPPORTED_VERSION, NOT_COORDINATOR).
///   Other key types and an empty group id: INVALID_REQUEST.
/// </summary>
public sealed class FindCoordinatorHandler(MetadataQuorum quorum, GroupCoordinatorService coordinator, CoordinatorTopics topics, BrokerAuthorizer authorizer)
    : ApiHandler<FindCoordinatorRequest, FindCoordinatorResponse>
{
    private const sbyte GroupKeyType = 0;
    private const sbyte TransactionKeyType = 1;

    /// <summary>The error_message transactional clients show; it says why, not that the client lacks a permission.</summary>
    public const string TransactionsUnsupported = "Transactions are not supported by Fjord yet: it has no transaction coordinator. Use an idempotent producer (enable.idempotence=true) without transactional.id.";

    public override ApiKey ApiKey => ApiKey.FindCoordinator;

    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, FindCoordinatorRequest request)
    {
        var response = new FindCoordinatorResponse();
        if (context.ApiVersion >= 4)
        {
            foreach (var key in request.CoordinatorKeys)
            {
                var found = await FindAsync(context, key, request.KeyType).ConfigureAwait(false);
                response.Coordinators.Add(new FindCoordinatorResponse.Coordinator
                {
                    Key = key,
                    NodeId = found.NodeId,
                    Host = found.Host,
                    Port = found.Port,
                    ErrorCode = (short)found.Error,
                    ErrorMessage = found.Message,
                });
            }

            return response;
        }

        var single = await FindAsync(context, request.Key, context.ApiVersion >= 1 ? request.KeyType : GroupKeyType).ConfigureAwait(false);
        response.ErrorCode = (short)single.Error;
        response.ErrorMessage = context.ApiVersion >= 1 ? single.Message : null;
        response.NodeId = single.NodeId;
        response.Host = single.Host;
        response.Port = single.Port;
        return response;
    }

    private async ValueTask<Found> FindAsync(RequestContext context, string key, sbyte keyType)
    {
        switch (keyType)
        {
            case GroupKeyType when string.IsNullOrEmpty(key):
                return Found.Failed(ErrorCode.InvalidRequest, "The group id must not be empty.");
            case GroupKeyType when !authorizer.Authorize(context, AclOperation.Describe, AclResourceType.Group, key):
                return Found.Failed(ErrorCode.GroupAuthorizationFailed, $"Not authorized to access group {key}.");
            case GroupKeyType:
                break;
            case TransactionKeyType:
                return Found.Failed(ErrorCode.TransactionalIdAuthorizationFailed, TransactionsUnsupported);
            default:
                return Found.Failed(ErrorCode.InvalidRequest, $"Unknown coordinator key type {keyType}.");
        }

        return await LeaderOfAsync(context, topics.ConsumerOffsets, coordinator.PartitionFor(key)).ConfigureAwait(false);
    }

    /// <summary>The live leader of <paramref name="partition"/> of an internal topic, which is created when missing.</summary>
    private async ValueTask<Found> LeaderOfAsync(RequestContext context, InternalTopicCreator creator, int partition)
    {
        var name = creator.Topic.Name;
        var image = quorum.StateMachine.Image;
        if (image.GetTopic(name) is not { } topic)
        {
            var created = await creator.CreateAsync(context).ConfigureAwait(false);
            return Found.Failed(ErrorCode.CoordinatorNotAvailable, created == ErrorCode.None
                ? $"{name} is being created."
                : $"{name} could not be created yet: {created}.");
        }

        if (!topic.Partitions.TryGetValue(partition, out var registration) || !registration.HasLeader)
        {
            return Found.Failed(ErrorCode.CoordinatorNotAvailable, $"{name} partition {partition} has no leader.");
        }

        if (!image.Brokers.TryGetValue(registration.Leader, out var broker) || broker.Fenced || broker.Endpoints.Length == 0)
        {
            return Found.Failed(ErrorCode.CoordinatorNotAvailable, $"The leader of {name} partition {partition} is not available.");
        }

        var endpoint = broker.Endpoints[0];
        return new Found(ErrorCode.None, null, registration.Leader, endpoint.Host, endpoint.Port);
    }

    protected override FindCoordinatorResponse ErrorResponse(FindCoordinatorRequest request, ErrorCode error)
    {
        var response = new FindCoordinatorResponse { ErrorCode = (short)error, NodeId = -1, Host = "", Port = -1 };
        foreach (var key in request.CoordinatorKeys)
        {
            response.Coordinators.Add(new FindCoordinatorResponse.Coordinator { Key = key, NodeId = -1, Host = "", Port = -1, ErrorCode = (short)error });
        }

        return response;
    }

    private readonly record struct Found(ErrorCode Error, string? Message, int NodeId, string Host, int Port)
    {
        public static Found Failed(ErrorCode error, string message) => new(error, message, -1, "", -1);
    }
}
