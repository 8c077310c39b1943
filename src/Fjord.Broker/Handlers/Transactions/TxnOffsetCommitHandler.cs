using Fjord.Broker.Network;
using Fjord.Broker.Security;
using Fjord.Coordinator.Groups;
using Fjord.Metadata.Acls;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers.Transactions;

/// <summary>
/// TxnOffsetCommit, versions 0-4 (sent to the group coordinator after AddOffsetsToTxn): the offsets are written to
/// <c>__consumer_offsets</c> as a transactional batch of the producer and stay pending until the transaction's marker
/// commits or drops them. Needs WRITE on the transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED), READ on the
/// group (GROUP_AUTHORIZATION_FAILED) and READ on each topic (TOPIC_AUTHORIZATION_FAILED for that topic's
/// partitions, the others are committed). v3+ (KIP-447) checks member id, generation and instance id like OffsetCommit.
/// </summary>
public sealed class TxnOffsetCommitHandler(GroupCoordinatorService coordinator, BrokerAuthorizer authorizer) : ApiHandler<TxnOffsetCommitRequest, TxnOffsetCommitResponse>
{
    public override ApiKey ApiKey => ApiKey.TxnOffsetCommit;

    public override short MinVersion => 0;

    public override short MaxVersion => 4;

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

        var denied = request.Topics.Where(t => !authorizer.Authorize(context, AclOperation.Read, AclResourceType.Topic, t.Name)).ToList();
        if (denied.Count == 0) return await coordinator.TxnOffsetCommitAsync(request, context.ApiVersion).ConfigureAwait(false);
        request.Topics.RemoveAll(denied.Contains);
        var response = request.Topics.Count == 0 ? new TxnOffsetCommitResponse() : await coordinator.TxnOffsetCommitAsync(request, context.ApiVersion).ConfigureAwait(false);
        response.Topics.AddRange(ErrorResponse(new TxnOffsetCommitRequest { Topics = denied }, ErrorCode.TopicAuthorizationFailed).Topics);
        return response;
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
