using Fjord.Broker.Network;
using Fjord.Broker.Topics;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Fjord.Storage;

namespace Fjord.Broker.Handlers;

/// <summary>
/// OffsetForLeaderEpoch, versions 0-4 (librdkafka 2.15 sends 2; Kafka 4's minimum is 2, older versions are
/// kept because they cost nothing): for each partition, the end offset of the requested leader epoch in
/// this leader's log (<see cref="LeaderEpochCache.EndOffsetFor"/>, Kafka's semantics).
/// - Consumers use it after a leader change to validate their position (KIP-320): an end offset below
///   the position means the log was truncated under them. KIP-101 followers used it to truncate; Fjord's
///   followers use Fetch's DivergingEpoch instead (KIP-595), but the answer is the same.
/// - An epoch we cannot place (empty cache, or -1 requested) answers no error with LeaderEpoch -1 and
///   EndOffset -1, as Kafka does; LeaderEpoch is in the response from v1.
/// - CurrentLeaderEpoch (v2+): newer than ours → UNKNOWN_LEADER_EPOCH, older → FENCED_LEADER_EPOCH.
/// - A partition this node does not lead gets NOT_LEADER_OR_FOLLOWER (<see cref="IPartitionLeadership"/>),
///   whatever the ReplicaId: Fjord's followers serve no reads. An unknown topic or partition gets
///   UNKNOWN_TOPIC_OR_PARTITION.
/// Stateless; thread-safe.
/// </summary>
public sealed class OffsetForLeaderEpochHandler(TopicRegistry topics, IPartitionLeadership leadership)
    : ApiHandler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>
{
    private const short FirstLeaderEpochVersion = 1;

    public override ApiKey ApiKey => ApiKey.OffsetForLeaderEpoch;

    public override short MinVersion => 0;

    public override short MaxVersion => 4;

    protected override ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, OffsetForLeaderEpochRequest request)
    {
        var response = new OffsetForLeaderEpochResponse();
        foreach (var topic in request.Topics)
        {
            var result = new OffsetForLeaderEpochResponse.OffsetForLeaderTopicResult { Topic = topic.Topic };
            foreach (var partition in topic.Partitions)
            {
                result.Partitions.Add(Lookup(topic.Topic, partition, context.ApiVersion));
            }

            response.Topics.Add(result);
        }

        return new(response);
    }

    private OffsetForLeaderEpochResponse.EpochEndOffset Lookup(string topic, OffsetForLeaderEpochRequest.OffsetForLeaderPartition partition, short version)
    {
        var answer = new OffsetForLeaderEpochResponse.EpochEndOffset { Partition = partition.Partition, LeaderEpoch = -1, EndOffset = -1 };
        if (!topics.TryGetLog(topic, partition.Partition, out var log))
        {
            answer.ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
            return answer;
        }

        if (leadership.CheckLeader(topic, partition.Partition, out var currentLeaderEpoch) is not ErrorCode.None and var notLeader)
        {
            answer.ErrorCode = (short)notLeader;
            return answer;
        }

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

        var (epoch, endOffset) = log.LeaderEpochs.EndOffsetFor(partition.LeaderEpoch, log.LogEndOffset);
        if (endOffset == LeaderEpochCache.UndefinedEpochOffset)
        {
            return answer;
        }

        answer.EndOffset = endOffset;
        if (version >= FirstLeaderEpochVersion)
        {
            answer.LeaderEpoch = epoch;
        }

        return answer;
    }

    protected override OffsetForLeaderEpochResponse ErrorResponse(OffsetForLeaderEpochRequest request, ErrorCode error)
    {
        var response = new OffsetForLeaderEpochResponse();
        foreach (var topic in request.Topics)
        {
            var result = new OffsetForLeaderEpochResponse.OffsetForLeaderTopicResult { Topic = topic.Topic };
            foreach (var partition in topic.Partitions)
            {
                result.Partitions.Add(new() { Partition = partition.Partition, ErrorCode = (short)error, LeaderEpoch = -1, EndOffset = -1 });
            }

            response.Topics.Add(result);
        }

        return response;
    }
}
