using Fjord.Broker.Network;
using Fjord.Broker.Security;
using Fjord.Broker.Topics;
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
/// Before offsets would open the producer's transaction on the group's <c>__consumer_offsets</c> partition, this broker asks
/// the transaction coordinator, as for Produce (<see cref="TransactionVerifier"/>, Kafka 3.6+): v0-4 verify that
/// AddOffsetsToTxn put the partition in the ongoing transaction (<c>transaction.partition.verification.enable</c>), v5
/// (KIP-890 part 2, a transaction version 2 client, which sends no AddOffsetsToTxn) adds it. A refusal is the answer for
/// every partition, with Kafka's mapping for coordinator writes (a retriable failure to reach the transaction coordinator
/// is COORDINATOR_NOT_AVAILABLE); the append presents the <see cref="VerificationGuard"/> taken before the question, so a
/// marker written meanwhile refuses it (INVALID_TXN_STATE) instead of leaving a transaction no marker will close.
/// </summary>
public sealed class TxnOffsetCommitHandler(GroupCoordinatorService coordinator, BrokerAuthorizer authorizer, TopicRegistry topics, TransactionVerifier? verifier = null)
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

        var (verified, guard) = await VerifyOffsetsPartitionAsync(request, context.ApiVersion, context.ConnectionClosed).ConfigureAwait(false);
        if (verified != ErrorCode.None)
        {
            return ErrorResponse(request, verified);
        }

        var denied = request.Topics.Where(t => !authorizer.Authorize(context, AclOperation.Read, AclResourceType.Topic, t.Name)).ToList();
        if (denied.Count == 0) return await coordinator.TxnOffsetCommitAsync(request, context.ApiVersion, guard).ConfigureAwait(false);
        request.Topics.RemoveAll(denied.Contains);
        var response = request.Topics.Count == 0 ? new TxnOffsetCommitResponse() : await coordinator.TxnOffsetCommitAsync(request, context.ApiVersion, guard).ConfigureAwait(false);
        response.Topics.AddRange(ErrorResponse(new TxnOffsetCommitRequest { Topics = denied }, ErrorCode.TopicAuthorizationFailed).Topics);
        return response;
    }

    /// <summary>
    /// The coordinator's answer for the group's offsets partition and the guard the append presents: none when nothing
    /// is verified (verification off for a version 0-1 client, or no transaction coordinator), the guard taken before
    /// the question when the offsets would open the transaction there, and <see cref="VerificationGuard.Unverified"/>
    /// when the transaction was already open on the partition (its batch may continue it, never open a new one).
    /// </summary>
    private async Task<(ErrorCode Error, VerificationGuard? Guard)> VerifyOffsetsPartitionAsync(TxnOffsetCommitRequest request, short version, CancellationToken cancellation)
    {
        var transactionVersion = version >= FirstTransactionVersion2Version ? (short)2 : (short)0;
        if (verifier is null || (!verifier.VerifiesPartitions && transactionVersion < 2))
        {
            return (ErrorCode.None, null);
        }

        var offsetsPartition = new TopicPartition(ConsumerOffsetsPartitioner.TopicName, coordinator.PartitionFor(request.GroupId));
        if (!topics.TryGetLog(offsetsPartition.Topic, offsetsPartition.Partition, out var log) || log.HasOngoingTransaction(request.ProducerId, request.ProducerEpoch))
        {
            // Not hosted here: the group coordinator answers NOT_COORDINATOR before anything is appended.
            return (ErrorCode.None, VerificationGuard.Unverified);
        }

        var guard = log.BeginTransactionVerification(request.ProducerId, request.ProducerEpoch, transactionVersion);
        var error = await verifier.VerifyAsync(request.TransactionalId, request.ProducerId, request.ProducerEpoch, offsetsPartition,
            addToTransaction: transactionVersion >= 2, cancellation).ConfigureAwait(false);
        return (error == ErrorCode.NotEnoughReplicas ? ErrorCode.CoordinatorNotAvailable : error, guard);
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
