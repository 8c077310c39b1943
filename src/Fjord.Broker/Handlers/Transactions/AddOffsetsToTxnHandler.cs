using Fjord.Broker.Network;
using Fjord.Broker.Security;
using Fjord.Coordinator.Transactions;
using Fjord.Metadata.Acls;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers.Transactions;

/// <summary>
/// AddOffsetsToTxn, versions 0-4: adds the group's <c>__consumer_offsets</c> partition to the transaction, so that
/// TxnOffsetCommit's offsets are committed or dropped by its marker (send_offsets_to_transaction). Needs WRITE on the
/// transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED) and READ on the group (GROUP_AUTHORIZATION_FAILED); then
/// the coordinator answers as for AddPartitionsToTxn.
/// </summary>
public sealed class AddOffsetsToTxnHandler(TransactionCoordinatorService coordinator, BrokerAuthorizer authorizer)
    : ApiHandler<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse>
{
    public override ApiKey ApiKey => ApiKey.AddOffsetsToTxn;

    public override short MinVersion => 0;

    public override short MaxVersion => 4;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, AddOffsetsToTxnRequest request)
    {
        if (!authorizer.Authorize(context, AclOperation.Write, AclResourceType.TransactionalId, request.TransactionalId))
        {
            return ErrorResponse(request, ErrorCode.TransactionalIdAuthorizationFailed);
        }

        if (!authorizer.Authorize(context, AclOperation.Read, AclResourceType.Group, request.GroupId))
        {
            return ErrorResponse(request, ErrorCode.GroupAuthorizationFailed);
        }

        return await coordinator.AddOffsetsToTxnAsync(request).ConfigureAwait(false);
    }

    protected override AddOffsetsToTxnResponse ErrorResponse(AddOffsetsToTxnRequest request, ErrorCode error) => new() { ErrorCode = (short)error };
}
