using Fjord.Broker.Network;
using Fjord.Broker.Security;
using Fjord.Metadata.Acls;
using Fjord.Broker.Topics;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// ListOffsets, versions 1-10 (kafka-python sends 1, librdkafka 2.0.2 up to 2, kafkajs 3, librdkafka 2.15 7).
/// - Timestamp -1: the latest offset (high watermark; for read_committed the last stable offset,
///   equal to it while there are no transactions); -2: the log start offset.
/// - -3 (v7+, KIP-734): the first record with the largest timestamp; -4 (v8+, KIP-405): the
///   local log start offset, which is the log start offset without tiered storage; -5 (v9+,
///   KIP-1005): the latest tiered offset, -1 since nothing is tiered. Older versions asking for
///   these get UNSUPPORTED_VERSION, as Kafka answers.
/// - Any other timestamp: the first offset whose record timestamp is at or after it, found through
///   the time index; -1/-1 when every record is older.
/// - CurrentLeaderEpoch (v4+): newer than ours gives UNKNOWN_LEADER_EPOCH, older FENCED_LEADER_EPOCH.
/// - Cluster mode: a partition this node does not lead gets NOT_LEADER_OR_FOLLOWER; "ours" is the image's
///   leader epoch (<see cref="IPartitionLeadership"/>; 0 on a single node).
/// - v0 (old-style offset lists) is not served; Kafka 4 dropped it too.
/// </summary>
public sealed class ListOffsetsHandler(TopicRegistry topics, IPartitionLeadership leadership, BrokerAuthorizer authorizer) : ApiHandler<ListOffsetsRequest, ListOffsetsResponse>
{
    private const long LatestTimestamp = -1;
    private const long EarliestTimestamp = -2;
    private const long MaxTimestamp = -3;
    private const long EarliestLocalTimestamp = -4;
    private const long LatestTieredTimestamp = -5;

    public override ApiKey ApiKey => ApiKey.ListOffsets;

    public override short MinVersion => 1;

    public override short MaxVersion => 10;

    private const sbyte ReadCommitted = 1;

    protected override ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, ListOffsetsRequest request)
    {
        var response = new ListOffsetsResponse();
        foreach (var topic in request.Topics)
        {
            var topicResponse = new ListOffsetsResponse.ListOffsetsTopicResponse { Name = topic.Name };
            // Kafka: listing offsets needs DESCRIBE on the topic.
            var authorized = authorizer.Authorize(context, AclOperation.Describe, AclResourceType.Topic, topic.Name);
            foreach (var partition in topic.Partitions)
            {
                topicResponse.Partitions.Add(authorized
                    ? Lookup(topic.Name, partition, context.ApiVersion, request.IsolationLevel == ReadCommitted)
                    : new() { PartitionIndex = partition.PartitionIndex, Timestamp = -1, Offset = -1, LeaderEpoch = -1, ErrorCode = (short)ErrorCode.TopicAuthorizationFailed });
            }

            response.Topics.Add(topicResponse);
        }

        return new(response);
    }

    private ListOffsetsResponse.ListOffsetsPartitionResponse Lookup(string topic, ListOffsetsRequest.ListOffsetsPartition partition, short version, bool readCommitted)
    {
        // LeaderEpoch exists from v4 and is not ignorable, so older answers must leave it at its default.
        var answer = new ListOffsetsResponse.ListOffsetsPartitionResponse { PartitionIndex = partition.PartitionIndex, Timestamp = -1, Offset = -1, LeaderEpoch = -1 };
        if (!topics.TryGetLog(topic, partition.PartitionIndex, out var log))
        {
            answer.ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
            return answer;
        }

        if (leadership.CheckLeader(topic, partition.PartitionIndex, out var currentLeaderEpoch) is not ErrorCode.None and var notLeader)
        {
            answer.ErrorCode = (short)notLeader;
            return answer;
        }

        var leaderEpoch = version >= 4 ? currentLeaderEpoch : -1;

        if (partition.CurrentLeaderEpoch > currentLeaderEpoch)
        {
            answer.ErrorCode = (short)ErrorCode.UnknownLeaderEpoch;
            return answer;
        }

        if (partition.CurrentLeaderEpoch >= 0 && partition.CurrentLeaderEpoch < currentLeaderEpoch)
        {
            answer.ErrorCode = (short)ErrorCode.FencedLeaderEpoch;
            return answer;
        }

        switch (partition.Timestamp)
        {
            case LatestTimestamp:
                answer.Offset = readCommitted ? log.LastStableOffset : log.HighWatermark;
                answer.LeaderEpoch = leaderEpoch;
                break;
            case EarliestTimestamp:
            case EarliestLocalTimestamp when version >= 8:
                answer.Offset = log.LogStartOffset;
                answer.LeaderEpoch = leaderEpoch;
                break;
            case MaxTimestamp when version >= 7:
                if (log.FindMaxTimestamp() is { } max)
                {
                    answer.Offset = max.Offset;
                    answer.Timestamp = max.Timestamp;
                    answer.LeaderEpoch = leaderEpoch;
                }

                break;
            case LatestTieredTimestamp when version >= 9:
                break;
            case < 0:
                answer.ErrorCode = (short)ErrorCode.UnsupportedVersion;
                break;
            default:
                // Kafka: a read_committed lookup never names an offset at or past the last stable offset.
                if (log.FindOffsetByTimestamp(partition.Timestamp) is { } found && (!readCommitted || found.Offset < log.LastStableOffset))
                {
                    answer.Offset = found.Offset;
                    answer.Timestamp = found.Timestamp;
                    answer.LeaderEpoch = leaderEpoch;
                }

                break;
        }

        return answer;
    }

    protected override ListOffsetsResponse ErrorResponse(ListOffsetsRequest request, ErrorCode error)
    {
        var response = new ListOffsetsResponse();
        foreach (var topic in request.Topics)
        {
            var topicResponse = new ListOffsetsResponse.ListOffsetsTopicResponse { Name = topic.Name };
            foreach (var partition in topic.Partitions)
            {
                topicResponse.Partitions.Add(new() { PartitionIndex = partition.PartitionIndex, ErrorCode = (short)error, Timestamp = -1, Offset = -1 });
            }

            response.Topics.Add(topicResponse);
        }

        return response;
    }
}
