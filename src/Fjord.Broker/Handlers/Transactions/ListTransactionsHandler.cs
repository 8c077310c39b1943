using Fjord.Broker.Network;
using Fjord.Broker.Security;
using Fjord.Coordinator.Transactions;
using Fjord.Metadata.Acls;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers.Transactions;

/// <summary>
/// ListTransactions, versions 0-1 (KIP-664; v1 adds the duration filter, KIP-994): the transactions this node
/// coordinates, filtered by state, producer id and running time; admin clients ask every broker and merge. Unknown
/// state names are echoed in unknown_state_filters. Only ids the caller may DESCRIBE are listed, as Kafka.
/// </summary>
public sealed class ListTransactionsHandler(TransactionCoordinatorService coordinator, BrokerAuthorizer authorizer)
    : ApiHandler<ListTransactionsRequest, ListTransactionsResponse>
{
    public override ApiKey ApiKey => ApiKey.ListTransactions;

    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, ListTransactionsRequest request)
    {
        var response = await coordinator.ListTransactionsAsync(request).ConfigureAwait(false);
        response.TransactionStates.RemoveAll(t => !authorizer.Authorize(context, AclOperation.Describe, AclResourceType.TransactionalId, t.TransactionalId));
        return response;
    }

    protected override ListTransactionsResponse ErrorResponse(ListTransactionsRequest request, ErrorCode error) => new() { ErrorCode = (short)error };
}
