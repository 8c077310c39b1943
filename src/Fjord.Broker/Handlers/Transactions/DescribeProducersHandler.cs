using Fjord.Broker.Network;
using Fjord.Broker.Security;
using Fjord.Broker.Topics;
using Fjord.Metadata.Acls;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers.Transactions;

/// <summary>
/// DescribeProducers, version 0 (KIP-664, kafka-transactions.sh describe-producers and find-hanging): the producers
/// with state on each partition this node leads — epoch, last sequence and timestamp, coordinator epoch and the start
/// offset of an open transaction. Needs READ on the topic (TOPIC_AUTHORIZATION_FAILED); unknown partitions:
/// UNKNOWN_TOPIC_OR_PARTITION; partitions led elsewhere: NOT_LEADER_OR_FOLLOWER.
/// </summary>
public sealed class DescribeProducersHandler(TopicRegistry topics, IPartitionLeadership leadership, BrokerAuthorizer authorizer)
    : ApiHandler<DescribeProducersRequest, DescribeProducersResponse>
{
    public override ApiKey ApiKey => ApiKey.DescribeProducers;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    protected override ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, DescribeProducersRequest request)
    {
        var response = new DescribeProducersResponse();
        foreach (var topic in request.Topics)
        {
            var readable = authorizer.Authorize(context, AclOperation.Read, AclResourceType.Topic, topic.Name);
            var topicResponse = new DescribeProducersResponse.TopicResponse { Name = topic.Name };
            foreach (var index in topic.PartitionIndexes)
            {
                topicResponse.Partitions.Add(Describe(topic.Name, index, readable));
            }

            response.Topics.Add(topicResponse);
        }

        return new(response);
    }

    private DescribeProducersResponse.PartitionResponse Describe(string topic, int index, bool readable)
    {
        var partition = new DescribeProducersResponse.PartitionResponse { PartitionIndex = index };
        if (!readable)
        {
            partition.ErrorCode = (short)ErrorCode.TopicAuthorizationFailed;
        }
        else if (!topics.TryGetLog(topic, index, out var log))
        {
            partition.ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
        }
        else if (leadership.CheckLeader(topic, index, out _) is not ErrorCode.None and var notLeader)
        {
            partition.ErrorCode = (short)notLeader;
        }
        else
        {
            foreach (var producer in log.GetActiveProducers())
            {
                partition.ActiveProducers.Add(new DescribeProducersResponse.ProducerState
                {
                    ProducerId = producer.ProducerId,
                    ProducerEpoch = producer.ProducerEpoch,
                    LastSequence = producer.LastSequence,
                    LastTimestamp = producer.LastTimestamp,
                    CoordinatorEpoch = producer.CoordinatorEpoch,
                    CurrentTxnStartOffset = producer.CurrentTxnStartOffset,
                });
            }
        }

        return partition;
    }

    protected override DescribeProducersResponse ErrorResponse(DescribeProducersRequest request, ErrorCode error)
    {
        var response = new DescribeProducersResponse();
        foreach (var topic in request.Topics)
        {
            var topicResponse = new DescribeProducersResponse.TopicResponse { Name = topic.Name };
            foreach (var index in topic.PartitionIndexes)
            {
                topicResponse.Partitions.Add(new DescribeProducersResponse.PartitionResponse { PartitionIndex = index, ErrorCode = (short)error });
            }

            response.Topics.Add(topicResponse);
        }

        return response;
    }
}
