using Fjord.Broker.Network;
using Fjord.Broker.Security;
using Fjord.Metadata.Acls;
using Fjord.Broker.Quorum;
using Fjord.Broker.Topics;
using Fjord.Metadata;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// DescribeTopicPartitions, version 0 (KIP-966; what <c>kafka-topics --describe</c> sends from Kafka 3.7 on), answered
/// from the committed <see cref="MetadataImage"/> like Kafka's DescribeTopicPartitionsRequestHandler:
/// - An empty topic list means every topic; topics are answered in name order, a topic Fjord does not hold gets
///   UNKNOWN_TOPIC_OR_PARTITION with a zero id.
/// - Paging: at most min(ResponsePartitionLimit, <see cref="MaxPartitionsPerResponse"/>) partitions per response;
///   NextCursor names the first partition left out (the next topic's partition 0 when a topic ended exactly at the
///   limit). A Cursor starts the answer at its topic and partition; a cursor topic that is not among the requested
///   topics is INVALID_REQUEST, as Kafka answers.
/// - Fjord has no eligible leader replicas (KIP-966's ELR), so EligibleLeaderReplicas and LastKnownElr are empty,
///   as Kafka's are while ELR is off. Offline replicas are those whose broker is fenced or gone.
/// Thread-safe: reads the immutable image.
/// </summary>
public sealed class DescribeTopicPartitionsHandler(MetadataQuorum quorum, BrokerAuthorizer authorizer) : ApiHandler<DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse>
{
    /// <summary>Kafka's max.request.partition.size.limit default.</summary>
    public const int MaxPartitionsPerResponse = 2000;

    public override ApiKey ApiKey => ApiKey.DescribeTopicPartitions;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    protected override ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, DescribeTopicPartitionsRequest request)
    {
        var image = quorum.StateMachine.Image;
        // As Metadata: listing all shows only topics the principal may DESCRIBE; a named one it may not is refused.
        var names = request.Topics.Count == 0
            ? image.TopicsById.Values.Select(t => t.Name).Where(n => authorizer.Authorize(context, AclOperation.Describe, AclResourceType.Topic, n))
            : request.Topics.Select(t => t.Name).Distinct(StringComparer.Ordinal);
        var ordered = names.Order(StringComparer.Ordinal).ToList();
        var cursor = request.Cursor;
        if (cursor is not null && request.Topics.Count > 0 && !ordered.Contains(cursor.TopicName, StringComparer.Ordinal))
            return new(ErrorResponse(request, ErrorCode.InvalidRequest));

        var response = new DescribeTopicPartitionsResponse();
        var budget = Math.Min(Math.Max(request.ResponsePartitionLimit, 1), MaxPartitionsPerResponse);
        foreach (var name in ordered)
        {
            if (cursor is not null && string.CompareOrdinal(name, cursor.TopicName) < 0) continue;
            var firstPartition = cursor is not null && name == cursor.TopicName ? Math.Max(cursor.PartitionIndex, 0) : 0;
            if (budget == 0)
            {
                response.NextCursor = new() { TopicName = name, PartitionIndex = firstPartition };
                break;
            }

            if (!authorizer.Authorize(context, AclOperation.Describe, AclResourceType.Topic, name))
            {
                response.Topics.Add(new() { Name = name, ErrorCode = (short)ErrorCode.TopicAuthorizationFailed, TopicId = Uuid.Zero });
                continue;
            }

            if (image.GetTopic(name) is not { } topic)
            {
                response.Topics.Add(new() { Name = name, ErrorCode = (short)ErrorCode.UnknownTopicOrPartition, TopicId = Uuid.Zero });
                continue;
            }

            var described = new DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic
            {
                Name = topic.Name,
                TopicId = TopicIds.ToUuid(topic.Id),
                IsInternal = topic.Name.StartsWith("__", StringComparison.Ordinal),
                TopicAuthorizedOperations = authorizer.AuthorizedOperations(context, AclResourceType.Topic, topic.Name, AclResourceOperations.Topic),
            };
            foreach (var (index, partition) in topic.Partitions.Where(p => p.Key >= firstPartition).OrderBy(p => p.Key))
            {
                if (budget == 0)
                {
                    response.NextCursor = new() { TopicName = name, PartitionIndex = index };
                    break;
                }

                described.Partitions.Add(new()
                {
                    ErrorCode = (short)(partition.HasLeader ? ErrorCode.None : ErrorCode.LeaderNotAvailable),
                    PartitionIndex = index,
                    LeaderId = partition.Leader,
                    LeaderEpoch = partition.LeaderEpoch,
                    ReplicaNodes = [.. partition.Replicas],
                    IsrNodes = [.. partition.Isr],
                    EligibleLeaderReplicas = [],
                    LastKnownElr = [],
                    OfflineReplicas = [.. partition.Replicas.Where(r => !image.Brokers.TryGetValue(r, out var b) || b.Fenced)],
                });
                budget--;
            }

            response.Topics.Add(described);
            if (response.NextCursor is not null) break;
        }

        return new(response);
    }

    protected override DescribeTopicPartitionsResponse ErrorResponse(DescribeTopicPartitionsRequest request, ErrorCode error)
    {
        var response = new DescribeTopicPartitionsResponse();
        foreach (var topic in request.Topics)
            response.Topics.Add(new() { Name = topic.Name, ErrorCode = (short)error, TopicId = Uuid.Zero });
        return response;
    }
}
