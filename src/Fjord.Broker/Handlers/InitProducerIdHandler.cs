using Fjord.Coordinator.Transactions;
using Fjord.Broker.Network;
using Fjord.Broker.Security;
using Fjord.Metadata.Acls;
using Fjord.Broker.Producers;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// InitProducerId, versions 0-5, for idempotent producers (Java since 3.0 by default; librdkafka
/// with enable.idempotence). Advertised from v0 because librdkafka before 2.11.1 enables
/// idempotence only when v0 is listed.
/// - TransactionalId null: a fresh producer id at epoch 0 from <see cref="IProducerIdSource"/> (in cluster
///   mode a block the controller allocated, KIP-730; COORDINATOR_LOAD_IN_PROGRESS while none is available).
/// - v3+ with the current ProducerId/ProducerEpoch (KIP-360): the same id with the epoch bumped,
///   so the producer can reset its sequences after an error without losing its identity; at the
///   epoch limit a fresh id is issued instead.
/// - With an authorizer, an idempotent producer needs IDEMPOTENT_WRITE on the cluster or WRITE on some topic (Kafka 3.0+,
///   KIP-679), else CLUSTER_AUTHORIZATION_FAILED.
/// - With a transactional id (sent to the id's transaction coordinator): needs WRITE on the transactional id
///   (TRANSACTIONAL_ID_AUTHORIZATION_FAILED); the coordinator gives the id's producer id with its epoch bumped, fencing
///   older producers of the same id, or NOT_COORDINATOR, CONCURRENT_TRANSACTIONS, INVALID_TRANSACTION_TIMEOUT...
/// </summary>
public sealed class InitProducerIdHandler(IProducerIdSource producerIds, TransactionCoordinatorService transactions, BrokerAuthorizer authorizer) : ApiHandler<InitProducerIdRequest, InitProducerIdResponse>
{
    public override ApiKey ApiKey => ApiKey.InitProducerId;

    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, InitProducerIdRequest request)
    {
        if (request.TransactionalId is { } transactionalId)
        {
            return authorizer.Authorize(context, AclOperation.Write, AclResourceType.TransactionalId, transactionalId)
                ? await transactions.InitProducerIdAsync(request).ConfigureAwait(false)
                : ErrorResponse(request, ErrorCode.TransactionalIdAuthorizationFailed);
        }

        if (!authorizer.AuthorizeCluster(context, AclOperation.IdempotentWrite) && !authorizer.AuthorizeAny(context, AclOperation.Write, AclResourceType.Topic))
        {
            return ErrorResponse(request, ErrorCode.ClusterAuthorizationFailed);
        }

        if (request.ProducerId >= 0 && request.ProducerEpoch >= 0 && request.ProducerEpoch < short.MaxValue - 1)
        {
            return new InitProducerIdResponse { ProducerId = request.ProducerId, ProducerEpoch = (short)(request.ProducerEpoch + 1) };
        }

        var grant = await producerIds.NextProducerIdAsync(context.ConnectionClosed).ConfigureAwait(false);
        return grant.Error == ErrorCode.None
            ? new InitProducerIdResponse { ProducerId = grant.ProducerId, ProducerEpoch = 0 }
            : ErrorResponse(request, grant.Error);
    }

    protected override InitProducerIdResponse ErrorResponse(InitProducerIdRequest request, ErrorCode error) =>
        new() { ErrorCode = (short)error, ProducerId = -1, ProducerEpoch = -1 };
}
