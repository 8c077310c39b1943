using Fjord.Broker.Network;
using Fjord.Broker.Security;
using Fjord.Broker.Transactions;
using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Coordinator.Groups;
using Fjord.Metadata.Acls;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Fjord.Storage;

namespace Fjord.Broker.Handlers.Transactions;

/// <summary>
/// TxnOffsetCommit, versions 0-5 (sent to the group coordinator after AddOffsetsToTxn): the offsets are written to
/// <c>__consumer_offsets</c> as a transactional batch of the producer and stay pending until the transaction's marker
/// commits or drops them. Needs WRITE on the transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED), READ on the
/// group (GROUP_AUTHORIZATION_FAILED) and READ on each topic (TOPIC_AUTHORIZATION_FAILED for that topic's
/// partitions, the others are committed). v3+ (KIP-447) checks member id, generation and instance id like OffsetCommit.
/// v5 (KIP-890 part 2, a transaction version 2 client, which sends no AddOffsetsToTxn): this broker first adds the group's
/// <c>__consumer_offsets</c> partition to the transaction with the transaction coordinator (<see cref="TransactionVerifier"/>);
/// its refusal is the answer for every partition, with Kafka's mapping for coordinator writes (a retriable failure to reach
/// the transaction coordinator is COORDINATOR_NOT_AVAILABLE).
/// </summary>
public sealed class TxnOffsetCommitHandler(GroupCoordinatorService coordinator, BrokerAuthorizer authorizer, TransactionVerifier? verifier = null)
    : ApiHandler<TxnOffsetCommitRequest, TxnOffsetCommitResponse>
{
    private const short FirstTransactionVersion2Version = 5;

    public override ApiKey ApiKey => ApiKey.TxnOffsetCommit;

    public override short MinVersion => 0;

    public override short MaxVersion => verifier is null ? (short)(FirstTransactionVersion2Version - 1) : FirstTransactionVersion2Version;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, TxnOffsetCommitRequest request)
    {
        if (!authorizer.Authorize(context, AclOperation.Write, AclResourceType.TransactionalId, request.TransactionalId))
        {
            return ErrorResponse(request, ErrorCode.TransactionalIdAuthorizationFailed);
        }

        if (!authorizer.Authorize(context, AclOperation.Read, AclResourceType.Group, request.GroupId))
        {
            return ErrorResponse(request, ErrorCode.GroupAuthorizationFailed);
        }

        if (context.ApiVersion >= FirstTransactionVersion2Version
            && await AddOffsetsPartitionAsync(request, context.ConnectionClosed).ConfigureAwait(false) is not ErrorCode.None and var notAdded)
        {
            return ErrorResponse(request, notAdded);
        }

        var denied = request.Topics.Where(t => !authorizer.Authorize(context, AclOperation.Read, AclResourceType.Topic, t.Name)).ToList();
        if (denied.Count == 0) return await coordinator.TxnOffsetCommitAsync(request, context.ApiVersion).ConfigureAwait(false);
        request.Topics.RemoveAll(denied.Contains);
        var response = request.Topics.Count == 0 ? new TxnOffsetCommitResponse() : await coordinator.TxnOffsetCommitAsync(request, context.ApiVersion).ConfigureAwait(false);
        response.Topics.AddRange(ErrorResponse(new TxnOffsetCommitRequest { Topics = denied }, ErrorCode.TopicAuthorizationFailed).Topics);
        return response;
    }

    /// <summary>Transaction version 2: the group's offsets partition joins the transaction before its offsets are written.</summary>
    private async Task<ErrorCode> AddOffsetsPartitionAsync(TxnOffsetCommitRequest request, CancellationToken cancellation)
    {
        var offsetsPartition = new TopicPartition(ConsumerOffsetsPartitioner.TopicName, coordinator.PartitionFor(request.GroupId));
        var error = await verifier!.VerifyAsync(request.TransactionalId, request.ProducerId, request.ProducerEpoch, offsetsPartition,
            addToTransaction: true, cancellation).ConfigureAwait(false);
        return error == ErrorCode.NotEnoughReplicas ? ErrorCode.CoordinatorNotAvailable : error;
    }

    protected override TxnOffsetCommitResponse ErrorResponse(TxnOffsetCommitRequest request, ErrorCode error)
    {
        var response = new TxnOffsetCommitResponse();
        foreach (var topic in request.Topics)
        {
            var failed = new TxnOffsetCommitResponse.TxnOffsetCommitResponseTopic { Name = topic.Name };
            foreach (var partition in topic.Partitions)
            {
                failed.Partitions.Add(new TxnOffsetCommitResponse.TxnOffsetCommitResponsePartition { PartitionIndex = partition.PartitionIndex, ErrorCode = (short)error });
            }

            response.Topics.Add(failed);
        }

        return response;
    }
}
