using Fjord.Broker.Network;
using Fjord.Broker.Topics;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// ListOffsets, versions 1-6 (kafka-python sends 1, librdkafka 2.0.2 up to 2, kafkajs 3).
/// - Timestamp -1: the latest offset (high watermark; for read_committed the last stable offset,
///   equal to it while there are no transactions); -2: the log start offset.
/// - Any other timestamp: the first offset whose record timestamp is at or after it, found through
///   the time index; -1/-1 when every record is older.
/// - CurrentLeaderEpoch (v4+): newer than ours gives UNKNOWN_LEADER_EPOCH, older FENCED_LEADER_EPOCH.
/// - v0 (old-style offset lists) is not served; Kafka 4 dropped it too.
/// </summary>
public sealed class ListOffsetsHandler(TopicRegistry topics) : ApiHandler<ListOffsetsRequest, ListOffsetsResponse>
{
    private const long LatestTimestamp = -1;
    private const long EarliestTimestamp = -2;
    private const int CurrentLeaderEpoch = 0;

    public override ApiKey ApiKey => ApiKey.ListOffsets;

    public override short MinVersion => 1;

    public override short MaxVersion => 6;

    protected override ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, ListOffsetsRequest request)
    {
        var response = new ListOffsetsResponse();
        foreach (var topic in request.Topics)
        {
            var topicResponse = new ListOffsetsResponse.ListOffsetsTopicResponse { Name = topic.Name };
            foreach (var partition in topic.Partitions)
            {
                topicResponse.Partitions.Add(Lookup(topic.Name, partition, context.ApiVersion));
            }

            response.Topics.Add(topicResponse);
        }

        return new(response);
    }

    private ListOffsetsResponse.ListOffsetsPartitionResponse Lookup(string topic, ListOffsetsRequest.ListOffsetsPartition partition, short version)
    {
        // LeaderEpoch exists from v4 and is not ignorable, so older answers must leave it at its default.
        var leaderEpoch = version >= 4 ? CurrentLeaderEpoch : -1;
        var answer = new ListOffsetsResponse.ListOffsetsPartitionResponse { PartitionIndex = partition.PartitionIndex, Timestamp = -1, Offset = -1, LeaderEpoch = -1 };
        if (!topics.TryGetLog(topic, partition.PartitionIndex, out var log))
        {
            answer.ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
            return answer;
        }

        if (partition.CurrentLeaderEpoch > CurrentLeaderEpoch)
        {
            answer.ErrorCode = (short)ErrorCode.UnknownLeaderEpoch;
            return answer;
        }

        if (partition.CurrentLeaderEpoch >= 0 && partition.CurrentLeaderEpoch < CurrentLeaderEpoch)
        {
            answer.ErrorCode = (short)ErrorCode.FencedLeaderEpoch;
            return answer;
        }

        switch (partition.Timestamp)
        {
            case LatestTimestamp:
                answer.Offset = log.HighWatermark;
                answer.LeaderEpoch = leaderEpoch;
                break;
            case EarliestTimestamp:
                answer.Offset = log.LogStartOffset;
                answer.LeaderEpoch = leaderEpoch;
                break;
            case < 0:
                answer.ErrorCode = (short)ErrorCode.UnsupportedVersion;
                break;
            default:
                if (log.FindOffsetByTimestamp(partition.Timestamp) is { } found)
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
