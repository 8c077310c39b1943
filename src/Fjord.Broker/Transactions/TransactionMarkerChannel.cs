using Fjord.Metadata;
using Fjord.Coordinator.Transactions;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace Fjord.Broker.Transactions;

/// <summary>
/// The broker's <see cref="ITransactionMarkerWriter"/> (Kafka's TransactionMarkerChannelManager): groups a
/// transaction's partitions by their leader in the current metadata image and sends each leader one
/// WriteTxnMarkers request over <see cref="BrokerChannels"/> to its Kafka listener — this node included, so a
/// marker always takes the path a leader's WriteTxnMarkersHandler checks (leadership, coordinator epoch, acks=all).
/// Partitions whose topic or partition no longer exists answer UNKNOWN_TOPIC_OR_PARTITION (the coordinator drops
/// them); a partition without a live leader, and every partition of a leader that cannot be reached, answer
/// NOT_LEADER_OR_FOLLOWER or NETWORK_EXCEPTION, which the coordinator retries. Thread-safe: requests to one broker go
/// one at a time, to different brokers in parallel.
/// </summary>
public sealed partial class TransactionMarkerChannel(BrokerChannels channels, Func<MetadataImage> currentImage, ILogger<TransactionMarkerChannel> logger) : ITransactionMarkerWriter
{
    private const short WriteTxnMarkersVersion = 1;
    private static readonly TimeSpan s_requestTimeout = TimeSpan.FromSeconds(30);

    public async Task<IReadOnlyDictionary<TransactionPartition, ErrorCode>> WriteMarkersAsync(
        long producerId, short producerEpoch, int coordinatorEpoch, bool commit, IReadOnlyList<TransactionPartition> partitions, CancellationToken cancellationToken)
    {
        var image = currentImage();
        var results = new Dictionary<TransactionPartition, ErrorCode>();
        var byLeader = new Dictionary<int, List<TransactionPartition>>();
        foreach (var partition in partitions)
        {
            if (image.GetTopic(partition.Topic) is not { } topic || !topic.Partitions.TryGetValue(partition.Partition, out var registration))
            {
                results[partition] = ErrorCode.UnknownTopicOrPartition;
            }
            else if (!registration.HasLeader || !image.Brokers.TryGetValue(registration.Leader, out var broker) || broker.Fenced || broker.Endpoints.Length == 0)
            {
                results[partition] = ErrorCode.NotLeaderOrFollower;
            }
            else
            {
                if (!byLeader.TryGetValue(registration.Leader, out var list)) byLeader[registration.Leader] = list = [];
                list.Add(partition);
            }
        }

        var sends = new List<Task<IReadOnlyDictionary<TransactionPartition, ErrorCode>>>();
        foreach (var (leader, led) in byLeader)
        {
            sends.Add(SendAsync(image, leader, producerId, producerEpoch, coordinatorEpoch, commit, led, cancellationToken));
        }

        foreach (var answered in await Task.WhenAll(sends).ConfigureAwait(false))
        {
            foreach (var (partition, error) in answered) results[partition] = error;
        }

        return results;
    }

    private async Task<IReadOnlyDictionary<TransactionPartition, ErrorCode>> SendAsync(MetadataImage image, int leader,
        long producerId, short producerEpoch, int coordinatorEpoch, bool commit, List<TransactionPartition> partitions, CancellationToken cancellationToken)
    {
        var marker = new WriteTxnMarkersRequest.WritableTxnMarker
        {
            ProducerId = producerId,
            ProducerEpoch = producerEpoch,
            TransactionResult = commit,
            CoordinatorEpoch = coordinatorEpoch,
        };
        foreach (var byTopic in partitions.GroupBy(p => p.Topic))
        {
            var topic = new WriteTxnMarkersRequest.WritableTxnMarkerTopic { Name = byTopic.Key };
            topic.PartitionIndexes.AddRange(byTopic.Select(p => p.Partition));
            marker.Topics.Add(topic);
        }

        var request = new WriteTxnMarkersRequest();
        request.Markers.Add(marker);
        var results = new Dictionary<TransactionPartition, ErrorCode>();
        try
        {
            var response = await channels.SendAsync<WriteTxnMarkersResponse>(image, leader, request, WriteTxnMarkersVersion, s_requestTimeout, cancellationToken).ConfigureAwait(false);
            foreach (var answered in response.Markers)
            {
                foreach (var topic in answered.Topics)
                {
                    foreach (var partition in topic.Partitions)
                    {
                        results[new TransactionPartition(topic.Name, partition.PartitionIndex)] = (ErrorCode)partition.ErrorCode;
                    }
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogSendFailed(leader, e.Message);
            foreach (var partition in partitions) results[partition] = ErrorCode.NetworkException;
        }

        return results;
    }

    [LoggerMessage(EventId = 9501, Level = LogLevel.Warning, Message = "Transaction markers to broker {BrokerId} failed (retried): {Reason}")]
    private partial void LogSendFailed(int brokerId, string reason);
}
