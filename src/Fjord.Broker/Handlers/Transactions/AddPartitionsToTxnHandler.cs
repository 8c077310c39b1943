using Fjord.Broker.Network;
using Fjord.Broker.Security;
using Fjord.Broker.Topics;
using Fjord.Coordinator.Transactions;
using Fjord.Metadata.Acls;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers.Transactions;

/// <summary>
/// AddPartitionsToTxn, versions 0-5 (Kafka's KafkaApis.handleAddPartitionsToTxnRequest):
/// - v0-3, from producers: one transaction. Needs WRITE on the transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED
///   for every partition) and WRITE on each topic; if any partition is refused (TOPIC_AUTHORIZATION_FAILED) or unknown
///   (UNKNOWN_TOPIC_OR_PARTITION), none is added and the rest answer
///   OPERATION_NOT_ATTEMPTED. Otherwise the coordinator decides (NOT_COORDINATOR, CONCURRENT_TRANSACTIONS,
///   PRODUCER_FENCED, INVALID_PRODUCER_ID_MAPPING, INVALID_TXN_STATE...).
/// - v4-5, from brokers (KIP-890 part 1 verification, verify_only): needs CLUSTER_ACTION, else
///   CLUSTER_AUTHORIZATION_FAILED at the top level; answered by the coordinator per transaction.
/// </summary>
public sealed class AddPartitionsToTxnHandler(TransactionCoordinatorService coordinator, TopicRegistry topics, BrokerAuthorizer authorizer)
    : ApiHandler<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse>
{
    private const short FirstBrokerVersion = 4;

    public override ApiKey ApiKey => ApiKey.AddPartitionsToTxn;

    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, AddPartitionsToTxnRequest request)
    {
        if (context.ApiVersion >= FirstBrokerVersion)
        {
            return authorizer.AuthorizeCluster(context, AclOperation.ClusterAction)
                ? await coordinator.AddPartitionsToTxnAsync(request, context.ApiVersion).ConfigureAwait(false)
                : new AddPartitionsToTxnResponse { ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed };
        }

        if (!authorizer.Authorize(context, AclOperation.Write, AclResourceType.TransactionalId, request.V3AndBelowTransactionalId))
        {
            return ErrorResponse(request, ErrorCode.TransactionalIdAuthorizationFailed);
        }

        var refused = new Dictionary<string, ErrorCode>(StringComparer.Ordinal);
        foreach (var topic in request.V3AndBelowTopics)
        {
            if (!authorizer.Authorize(context, AclOperation.Write, AclResourceType.Topic, topic.Name))
            {
                refused[topic.Name] = ErrorCode.TopicAuthorizationFailed;
            }
            else if (!topics.TryGet(topic.Name, out var known) || topic.Partitions.Exists(p => p < 0 || p >= known.PartitionCount))
            {
                refused[topic.Name] = ErrorCode.UnknownTopicOrPartition;
            }
        }

        if (refused.Count == 0)
        {
            return await coordinator.AddPartitionsToTxnAsync(request, context.ApiVersion).ConfigureAwait(false);
        }

        var response = new AddPartitionsToTxnResponse();
        foreach (var topic in request.V3AndBelowTopics)
        {
            response.ResultsByTopicV3AndBelow.Add(TopicResult(topic, refused.GetValueOrDefault(topic.Name, ErrorCode.OperationNotAttempted)));
        }

        return response;
    }

    protected override AddPartitionsToTxnResponse ErrorResponse(AddPartitionsToTxnRequest request, ErrorCode error)
    {
        var response = new AddPartitionsToTxnResponse { ErrorCode = (short)error };
        foreach (var topic in request.V3AndBelowTopics)
        {
            response.ResultsByTopicV3AndBelow.Add(TopicResult(topic, error));
        }

        foreach (var transaction in request.Transactions)
        {
            var result = new AddPartitionsToTxnResponse.AddPartitionsToTxnResult { TransactionalId = transaction.TransactionalId };
            foreach (var topic in transaction.Topics) result.TopicResults.Add(TopicResult(topic, error));
            response.ResultsByTransaction.Add(result);
        }

        return response;
    }

    private static AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult TopicResult(AddPartitionsToTxnRequest.AddPartitionsToTxnTopic topic, ErrorCode error)
    {
        var result = new AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult { Name = topic.Name };
        foreach (var partition in topic.Partitions)
        {
            result.ResultsByPartition.Add(new AddPartitionsToTxnResponse.AddPartitionsToTxnPartitionResult { PartitionIndex = partition, PartitionErrorCode = (short)error });
        }

        return result;
    }
}
