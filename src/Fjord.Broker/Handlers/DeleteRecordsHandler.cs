using Fjord.Broker.Network;
using Fjord.Broker.Topics;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// DeleteRecords, versions 0-2 (kafka-delete-records.sh, AdminClient.deleteRecords; v2 is flexible).
/// - Each partition's Offset becomes its log start offset (the low watermark) — records below it are
///   no longer served and whole segments below it are deleted; -1 means the high watermark.
/// - An offset above the high watermark answers OFFSET_OUT_OF_RANGE (Kafka's check); an offset at or
///   below the current log start offset is a no-op answering the current low watermark.
/// - Unknown topic or partition: UNKNOWN_TOPIC_OR_PARTITION with low watermark -1; an offline
///   partition: KAFKA_STORAGE_ERROR.
/// - Not yet: waiting (TimeoutMs) for followers to reach the new log start offset; it is answered at once.
/// </summary>
public sealed class DeleteRecordsHandler(TopicRegistry topics) : ApiHandler<DeleteRecordsRequest, DeleteRecordsResponse>
{
    public override ApiKey ApiKey => ApiKey.DeleteRecords;

    public override short MinVersion => 0;

    public override short MaxVersion => 2;

    protected override ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, DeleteRecordsRequest request)
    {
        var response = new DeleteRecordsResponse();
        foreach (var topic in request.Topics)
        {
            var topicResult = new DeleteRecordsResponse.DeleteRecordsTopicResult { Name = topic.Name };
            foreach (var partition in topic.Partitions)
            {
                var result = new DeleteRecordsResponse.DeleteRecordsPartitionResult { PartitionIndex = partition.PartitionIndex, LowWatermark = -1 };
                if (!topics.TryGetLog(topic.Name, partition.PartitionIndex, out var log))
                {
                    result.ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
                }
                else
                {
                    try
                    {
                        var (error, lowWatermark) = log.DeleteRecordsBefore(partition.Offset);
                        result.ErrorCode = (short)error;
                        result.LowWatermark = lowWatermark;
                    }
                    catch (ObjectDisposedException)
                    {
                        // The topic was deleted while we looked it up.
                        result.ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
                    }
                }

                topicResult.Partitions.Add(result);
            }

            response.Topics.Add(topicResult);
        }

        return new(response);
    }

    protected override DeleteRecordsResponse ErrorResponse(DeleteRecordsRequest request, ErrorCode error)
    {
        var response = new DeleteRecordsResponse();
        foreach (var topic in request.Topics)
        {
            var topicResult = new DeleteRecordsResponse.DeleteRecordsTopicResult { Name = topic.Name };
            foreach (var partition in topic.Partitions)
            {
                topicResult.Partitions.Add(new() { PartitionIndex = partition.PartitionIndex, LowWatermark = -1, ErrorCode = (short)error });
            }

            response.Topics.Add(topicResult);
        }

        return response;
    }
}
