using Fjord.Broker.Network;
using Fjord.Broker.Security;
using Fjord.Coordinator.Transactions;
using Fjord.Metadata.Acls;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers.Transactions;

/// <summary>
/// EndTxn, versions 0-5: commit or abort the producer's transaction. Needs WRITE on the transactional id
/// (TRANSACTIONAL_ID_AUTHORIZATION_FAILED). Answered once the coordinator's PrepareCommit/PrepareAbort is committed in
/// <c>__transaction_state</c>; the markers are written to the partitions after that (Kafka's order), so a
/// read_committed consumer sees the data once each partition's marker is below its high watermark.
/// </summary>
public sealed class EndTxnHandler(TransactionCoordinatorService coordinator, BrokerAuthorizer authorizer) : ApiHandler<EndTxnRequest, EndTxnResponse>
{
    public override ApiKey ApiKey => ApiKey.EndTxn;

    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, EndTxnRequest request)
    {
        if (!authorizer.Authorize(context, AclOperation.Write, AclResourceType.TransactionalId, request.TransactionalId))
        {
            return ErrorResponse(request, ErrorCode.TransactionalIdAuthorizationFailed);
        }

        return await coordinator.EndTxnAsync(request, context.ApiVersion).ConfigureAwait(false);
    }

    protected override EndTxnResponse ErrorResponse(EndTxnRequest request, ErrorCode error) => new() { ErrorCode = (short)error, ProducerId = -1, ProducerEpoch = -1 };
}
