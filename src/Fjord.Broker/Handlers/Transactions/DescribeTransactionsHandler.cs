using Fjord.Broker.Network;
using Fjord.Broker.Security;
using Fjord.Coordinator.Transactions;
using Fjord.Metadata.Acls;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers.Transactions;

/// <summary>
/// DescribeTransactions, version 0 (KIP-664, kafka-transactions.sh describe): each transactional id's state, producer
/// id and epoch, timeout, start time and partitions, from its coordinator (ids this node does not coordinate:
/// NOT_COORDINATOR, so admin clients ask the right node). Ids without DESCRIBE: TRANSACTIONAL_ID_AUTHORIZATION_FAILED.
/// </summary>
public sealed class DescribeTransactionsHandler(TransactionCoordinatorService coordinator, BrokerAuthorizer authorizer)
    : ApiHandler<DescribeTransactionsRequest, DescribeTransactionsResponse>
{
    public override ApiKey ApiKey => ApiKey.DescribeTransactions;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, DescribeTransactionsRequest request)
    {
        var denied = request.TransactionalIds.Where(id => !authorizer.Authorize(context, AclOperation.Describe, AclResourceType.TransactionalId, id)).ToList();
        request.TransactionalIds.RemoveAll(denied.Contains);
        var response = request.TransactionalIds.Count == 0
            ? new DescribeTransactionsResponse()
            : await coordinator.DescribeTransactionsAsync(request).ConfigureAwait(false);
        response.TransactionStates.AddRange(ErrorResponse(new DescribeTransactionsRequest { TransactionalIds = denied }, ErrorCode.TransactionalIdAuthorizationFailed).TransactionStates);
        return response;
    }

    protected override DescribeTransactionsResponse ErrorResponse(DescribeTransactionsRequest request, ErrorCode error)
    {
        var response = new DescribeTransactionsResponse();
        foreach (var id in request.TransactionalIds)
        {
            response.TransactionStates.Add(new DescribeTransactionsResponse.TransactionStateData { TransactionalId = id, ErrorCode = (short)error, ProducerId = -1, ProducerEpoch = -1 });
        }

        return response;
    }
}
