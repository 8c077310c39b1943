using Fjord.Broker.Network;
using Fjord.Broker.Security;
using Fjord.Metadata.Acls;
using Fjord.Coordinator.Groups;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers.Groups;

/// <summary>
/// OffsetCommit, versions 2-9 (kafka-python sends 2; librdkafka needs a range overlapping 1-2;
/// Kafka 4 also starts at 2).
/// - Generation -1 with an unknown or empty group: a group that only stores offsets (assign()).
///   Otherwise the member and generation must be current: UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION,
///   FENCED_INSTANCE_ID (v7+ static members), REBALANCE_IN_PROGRESS while the group awaits the
///   leader's assignment.
/// - Unknown topics/partitions: UNKNOWN_TOPIC_OR_PARTITION; metadata over offset.metadata.max.bytes:
///   OFFSET_METADATA_TOO_LARGE.
/// - v2-4 RetentionTimeMs is ignored: since KIP-211 offsets expire by offsets.retention.minutes after
///   the group empties.
/// - Acknowledged once the offset records are appended to <c>__consumer_offsets</c>.
/// </summary>
public sealed class OffsetCommitHandler(GroupCoordinatorService coordinator, BrokerAuthorizer authorizer) : ApiHandler<OffsetCommitRequest, OffsetCommitResponse>
{
    public override ApiKey ApiKey => ApiKey.OffsetCommit;

    public override short MinVersion => 2;

    public override short MaxVersion => 9;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, OffsetCommitRequest request)
    {
        // READ on the group is checked before the handler (RequestAuthorization); Kafka also wants READ on each topic.
        var denied = request.Topics.Where(t => !authorizer.Authorize(context, AclOperation.Read, AclResourceType.Topic, t.Name)).ToList();
        if (denied.Count == 0) return await coordinator.CommitOffsetsAsync(request).ConfigureAwait(false);
        request.Topics.RemoveAll(denied.Contains);
        var response = request.Topics.Count == 0 ? new OffsetCommitResponse() : await coordinator.CommitOffsetsAsync(request).ConfigureAwait(false);
        var refused = new OffsetCommitRequest { Topics = denied };
        var errors = ErrorResponse(refused, ErrorCode.TopicAuthorizationFailed);
        response.Topics.AddRange(errors.Topics);
        return response;
    }

    protected override OffsetCommitResponse ErrorResponse(OffsetCommitRequest request, ErrorCode error)
    {
        var response = new OffsetCommitResponse();
        foreach (var topic in request.Topics)
        {
            var failed = new OffsetCommitResponse.OffsetCommitResponseTopic { Name = topic.Name };
            foreach (var partition in topic.Partitions)
            {
                failed.Partitions.Add(new OffsetCommitResponse.OffsetCommitResponsePartition { PartitionIndex = partition.PartitionIndex, ErrorCode = (short)error });
            }

            response.Topics.Add(failed);
        }

        return response;
    }
}
