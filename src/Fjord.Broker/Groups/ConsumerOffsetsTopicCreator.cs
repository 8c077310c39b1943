using Fjord.Broker.Network;
using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Metadata;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Fjord.Storage;
using Microsoft.Extensions.Logging;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Groups;

/// <summary>
/// Creates <c>__consumer_offsets</c> as Kafka does on the first FindCoordinator for a group:
/// <c>offsets.topic.num.partitions</c> partitions, <c>offsets.topic.replication.factor</c> replicas,
/// compacted, 100 MiB segments. Runs on the active controller, or is forwarded to it as a CreateTopics (KIP-590).
/// Like Kafka, it never creates the topic with fewer replicas than configured: while fewer brokers are
/// registered the controller refuses (INVALID_REPLICATION_FACTOR) and FindCoordinator keeps answering
/// COORDINATOR_NOT_AVAILABLE. Thread-safe; concurrent calls at worst race to TOPIC_ALREADY_EXISTS.
/// </summary>
public sealed partial class ConsumerOffsetsTopicCreator(
    ControllerHost controller, ControllerForwarder forwarder, int partitions, short replicationFactor, ILogger<ConsumerOffsetsTopicCreator> logger)
{
    private const short CreateTopicsVersion = 7;
    private static readonly TimeSpan s_createWait = TimeSpan.FromSeconds(5);
    private static readonly Dictionary<string, string> s_configs = new()
    {
        [LogConfig.CleanupPolicyName] = "compact",
        [LogConfig.SegmentBytesName] = "104857600",
    };

    /// <summary>Asks the controller to create the topic; returns the controller's error (TOPIC_ALREADY_EXISTS is success).</summary>
    public async Task<ErrorCode> CreateAsync(RequestContext context)
    {
        ErrorCode error;
        string? message;
        if (controller.IsActive)
        {
            try
            {
                var results = await controller.SubmitAsync(c => c.CreateTopics([new CreatableTopic(ConsumerOffsetsPartitioner.TopicName, partitions, replicationFactor, null, s_configs)]))
                    .WaitAsync(s_createWait).ConfigureAwait(false);
                (error, message) = (results[0].Error, results[0].Message);
            }
            catch (Exception e) when (e is NotControllerException or TimeoutException)
            {
                (error, message) = (ErrorCode.NotController, e.Message);
            }
        }
        else
        {
            var create = new CreateTopicsRequest { timeoutMs = (int)s_createWait.TotalMilliseconds };
            var topic = new CreateTopicsRequest.CreatableTopic { Name = ConsumerOffsetsPartitioner.TopicName, NumPartitions = partitions, ReplicationFactor = replicationFactor };
            foreach (var (name, value) in s_configs)
            {
                topic.Configs.Add(new CreateTopicsRequest.CreatableTopicConfig { Name = name, Value = value });
            }

            create.Topics.Add(topic);
            var forwardContext = new RequestContext(context.ConnectionId, context.RemoteEndPoint, CreateTopicsVersion, context.CorrelationId, context.ClientId, context.ConnectionClosed);
            var response = await forwarder.ForwardAsync<CreateTopicsResponse>(forwardContext, create).ConfigureAwait(false);
            (error, message) = response is { Topics.Count: 1 }
                ? ((ErrorCode)response.Topics[0].ErrorCode, response.Topics[0].ErrorMessage)
                : (ErrorCode.NotController, "no controller could be reached");
        }

        if (error is ErrorCode.None)
        {
            LogCreated(partitions, replicationFactor);
        }
        else if (error is not ErrorCode.TopicAlreadyExists)
        {
            LogNotCreated(error, message);
        }

        return error is ErrorCode.TopicAlreadyExists ? ErrorCode.None : error;
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Created __consumer_offsets: {Partitions} partitions, replication factor {ReplicationFactor}")]
    private partial void LogCreated(int partitions, short replicationFactor);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "__consumer_offsets not created yet ({Error}: {Message}); FindCoordinator answers COORDINATOR_NOT_AVAILABLE until it is")]
    private partial void LogNotCreated(ErrorCode error, string? message);
}
