using Fjord.Broker.Fetch;
using Fjord.Broker.Network;
using Fjord.Broker.Replication;
using Fjord.Broker.Security;
using Fjord.Broker.Topics;
using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Coordinator.Groups;
using Fjord.Metadata.Acls;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Fjord.Storage;

namespace Fjord.Broker.Handlers;

/// <summary>
/// WriteTxnMarkers, versions 0-1 (Kafka's KafkaApis.handleWriteTxnMarkersRequest): a transaction coordinator (or
/// <c>fjord transactions abort</c>, like kafka-transactions.sh) asks this partition leader to end a producer's
/// transaction with a COMMIT or ABORT control batch.
/// - Needs CLUSTER_ACTION on the cluster when an authorizer is on (every partition: CLUSTER_AUTHORIZATION_FAILED).
/// - Per partition: UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS (ISR below
///   min.insync.replicas), then the log's own answer: INVALID_PRODUCER_EPOCH for a marker older than the producer's
///   epoch, TRANSACTION_COORDINATOR_FENCED for a deposed coordinator. The marker is written like an acks=all produce:
///   answered once the high watermark passed it (REQUEST_TIMED_OUT after 30 s), so a coordinator completes a
///   transaction only when every marker is committed.
/// - A marker on a <c>__consumer_offsets</c> partition then commits or drops the producer's pending transactional
///   offsets in the group coordinator (Kafka's onTransactionCompleted).
/// </summary>
public sealed class WriteTxnMarkersHandler(
    TopicRegistry topics, IPartitionLeadership leadership, PartitionAppendNotifier appends, IPartitionReplication replication,
    GroupCoordinatorService groups, BrokerAuthorizer authorizer) : ApiHandler<WriteTxnMarkersRequest, WriteTxnMarkersResponse>
{
    private static readonly TimeSpan s_commitTimeout = TimeSpan.FromSeconds(30);

    public override ApiKey ApiKey => ApiKey.WriteTxnMarkers;

    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, WriteTxnMarkersRequest request)
    {
        if (!authorizer.AuthorizeCluster(context, AclOperation.ClusterAction))
        {
            return ErrorResponse(request, ErrorCode.ClusterAuthorizationFailed);
        }

        var response = new WriteTxnMarkersResponse();
        var writes = new List<(WriteTxnMarkersResponse.WritableTxnMarkerPartitionResult Result, TopicPartition Partition, Task<ErrorCode> Committed, long ProducerId, bool Commit)>();
        foreach (var marker in request.Markers)
        {
            var markerResult = new WriteTxnMarkersResponse.WritableTxnMarkerResult { ProducerId = marker.ProducerId };
            foreach (var topic in marker.Topics)
            {
                var topicResult = new WriteTxnMarkersResponse.WritableTxnMarkerTopicResult { Name = topic.Name };
                foreach (var index in topic.PartitionIndexes)
                {
                    var partition = new TopicPartition(topic.Name, index);
                    var result = new WriteTxnMarkersResponse.WritableTxnMarkerPartitionResult { PartitionIndex = index };
                    var (error, committed) = Append(partition, marker, context);
                    result.ErrorCode = (short)error;
                    topicResult.Partitions.Add(result);
                    if (committed is not null) writes.Add((result, partition, committed, marker.ProducerId, marker.TransactionResult));
                }

                markerResult.Topics.Add(topicResult);
            }

            response.Markers.Add(markerResult);
        }

        foreach (var (result, partition, committed, producerId, commit) in writes)
        {
            var error = await committed.ConfigureAwait(false);
            result.ErrorCode = (short)error;
            if (error == ErrorCode.None && partition.Topic == ConsumerOffsetsPartitioner.TopicName)
            {
                // Its answer needs no action: NOT_COORDINATOR means this node no longer coordinates the partition, and
                // whoever does replays the marker from the log when it loads it (as a partition being loaded here does).
                _ = await groups.CompleteTransactionAsync(partition.Partition, producerId, commit).ConfigureAwait(false);
            }
        }

        return response;
    }

    /// <summary>Appends one marker as leader; returns the error, or the wait until the ISR has it.</summary>
    private (ErrorCode Error, Task<ErrorCode>? Committed) Append(TopicPartition partition, WriteTxnMarkersRequest.WritableTxnMarker marker, RequestContext context)
    {
        if (!topics.TryGetLog(partition.Topic, partition.Partition, out var log)) return (ErrorCode.UnknownTopicOrPartition, null);
        if (leadership.CheckLeader(partition.Topic, partition.Partition, out var leaderEpoch) is not ErrorCode.None and var notLeader) return (notLeader, null);
        if (replication.CheckEnoughReplicas(partition, log) is not ErrorCode.None and var tooFew) return (tooFew, null);

        var appended = log.AppendTransactionMarker(marker.ProducerId, marker.ProducerEpoch, marker.CoordinatorEpoch, marker.TransactionResult, leaderEpoch);
        if (appended.Error != ErrorCode.None) return (appended.Error, null);

        appends.NotifyAppended(partition);
        replication.OnLeaderAppended(partition, log);
        return (ErrorCode.None, replication.WaitForHighWatermarkAsync(partition, log, appended.LastOffset + 1, s_commitTimeout, context.ConnectionClosed));
    }

    protected override WriteTxnMarkersResponse ErrorResponse(WriteTxnMarkersRequest request, ErrorCode error)
    {
        var response = new WriteTxnMarkersResponse();
        foreach (var marker in request.Markers)
        {
            var markerResult = new WriteTxnMarkersResponse.WritableTxnMarkerResult { ProducerId = marker.ProducerId };
            foreach (var topic in marker.Topics)
            {
                var topicResult = new WriteTxnMarkersResponse.WritableTxnMarkerTopicResult { Name = topic.Name };
                foreach (var index in topic.PartitionIndexes)
                {
                    topicResult.Partitions.Add(new WriteTxnMarkersResponse.WritableTxnMarkerPartitionResult { PartitionIndex = index, ErrorCode = (short)error });
                }

                markerResult.Topics.Add(topicResult);
            }

            response.Markers.Add(markerResult);
        }

        return response;
    }
}
