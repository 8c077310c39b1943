using Fjord.Broker.Network;
using Fjord.Broker.Security;
using Fjord.Metadata.Acls;
using Fjord.Coordinator.Groups;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers.Groups;

/// <summary>
/// OffsetFetch, versions 1-9 (kafka-python sends 1; librdkafka needs 1 listed; kafkajs 1-4).
/// - v1: explicit partitions only; a group-level error (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS)
///   is reported on every partition, since v1 has no top-level error.
/// - v2+: Topics null means every committed offset of the group; top-level ErrorCode.
/// - v8+ (KIP-709): several groups per request, each with its own error.
/// - A partition without a committed offset answers offset -1, metadata "" and no error.
/// - RequireStable (v7+, KIP-447): a partition with a pending transactional offset (TxnOffsetCommit not yet
///   committed or aborted by its marker) answers UNSTABLE_OFFSET_COMMIT, which the consumer retries.
/// </summary>
public sealed class OffsetFetchHandler(GroupCoordinatorService coordinator, BrokerAuthorizer authorizer) : ApiHandler<OffsetFetchRequest, OffsetFetchResponse>
{
    public override ApiKey ApiKey => ApiKey.OffsetFetch;

    public override short MinVersion => 1;

    public override short MaxVersion => 9;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, OffsetFetchRequest request)
    {
        var response = new OffsetFetchResponse();
        if (context.ApiVersion >= 8)
        {
            foreach (var group in request.Groups)
            {
                if (!authorizer.Authorize(context, AclOperation.Describe, AclResourceType.Group, group.GroupId))
                {
                    response.Groups.Add(new OffsetFetchResponse.OffsetFetchResponseGroup { GroupId = group.GroupId, ErrorCode = (short)ErrorCode.GroupAuthorizationFailed });
                    continue;
                }

                var fetched = await coordinator.FetchOffsetsAsync(group.GroupId, group.Topics, group.MemberId, group.MemberEpoch, request.RequireStable).ConfigureAwait(false);
                // Kafka: topics the principal may not DESCRIBE are left out of "all", refused when named.
                foreach (var topic in fetched.Topics)
                    if (!CanDescribe(context, topic.Name))
                        foreach (var partition in topic.Partitions) partition.ErrorCode = (short)ErrorCode.TopicAuthorizationFailed;
                if (group.Topics is null) fetched.Topics.RemoveAll(t => !CanDescribe(context, t.Name));
                response.Groups.Add(fetched);
            }

            return response;
        }

        List<OffsetFetchRequest.OffsetFetchRequestTopics>? topics = null;
        if (request.Topics is not null)
        {
            topics = new List<OffsetFetchRequest.OffsetFetchRequestTopics>(request.Topics.Count);
            foreach (var topic in request.Topics)
            {
                topics.Add(new OffsetFetchRequest.OffsetFetchRequestTopics { Name = topic.Name, PartitionIndexes = topic.PartitionIndexes });
            }
        }

        if (!authorizer.Authorize(context, AclOperation.Describe, AclResourceType.Group, request.GroupId))
        {
            return ErrorResponse(request, ErrorCode.GroupAuthorizationFailed);
        }

        var result = await coordinator.FetchOffsetsAsync(request.GroupId, topics, requireStable: context.ApiVersion >= 7 && request.RequireStable).ConfigureAwait(false);
        if (topics is null) result.Topics.RemoveAll(t => !CanDescribe(context, t.Name));
        var groupError = result.ErrorCode;
        if (groupError != 0 && context.ApiVersion < 2)
        {
            return ErrorResponse(request, (ErrorCode)groupError);
        }

        response.ErrorCode = groupError;
        foreach (var topic in result.Topics)
        {
            var legacy = new OffsetFetchResponse.OffsetFetchResponseTopic { Name = topic.Name };
            foreach (var partition in topic.Partitions)
            {
                legacy.Partitions.Add(new OffsetFetchResponse.OffsetFetchResponsePartition
                {
                    PartitionIndex = partition.PartitionIndex,
                    CommittedOffset = partition.CommittedOffset,
                    CommittedLeaderEpoch = partition.CommittedLeaderEpoch,
                    Metadata = partition.Metadata,
                    ErrorCode = CanDescribe(context, topic.Name) ? partition.ErrorCode : (short)ErrorCode.TopicAuthorizationFailed,
                });
            }

            response.Topics.Add(legacy);
        }

        return response;
    }

    private bool CanDescribe(RequestContext context, string topic) => authorizer.Authorize(context, AclOperation.Describe, AclResourceType.Topic, topic);

    protected override OffsetFetchResponse ErrorResponse(OffsetFetchRequest request, ErrorCode error)
    {
        var response = new OffsetFetchResponse { ErrorCode = (short)error };
        foreach (var topic in request.Topics ?? [])
        {
            var failed = new OffsetFetchResponse.OffsetFetchResponseTopic { Name = topic.Name };
            foreach (var partition in topic.PartitionIndexes)
            {
                failed.Partitions.Add(new OffsetFetchResponse.OffsetFetchResponsePartition { PartitionIndex = partition, CommittedOffset = -1, Metadata = "", ErrorCode = (short)error });
            }

            response.Topics.Add(failed);
        }

        foreach (var group in request.Groups)
        {
            response.Groups.Add(new OffsetFetchResponse.OffsetFetchResponseGroup { GroupId = group.GroupId, ErrorCode = (short)error });
        }

        return response;
    }
}
