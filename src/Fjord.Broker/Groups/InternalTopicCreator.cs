using Fjord.Broker.Network;
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
/// Creates an internal topic of a coordinator (<c>__consumer_offsets</c>, <c>__transaction_state</c>) as Kafka does on
/// the first FindCoordinator that needs it: the configured partitions and replicas, compacted, 100 MiB segments, plus
/// the topic's own configs (<c>min.insync.replicas</c> of <c>__transaction_state</c>). Runs on the active controller,
/// or is forwarded to it as a CreateTopics (KIP-590). Like Kafka, it never creates the topic with fewer replicas than
/// configured: while fewer brokers are registered the controller refuses (INVALID_REPLICATION_FACTOR) and
/// FindCoordinator keeps answering COORDINATOR_NOT_AVAILABLE. Thread-safe; concurrent calls at worst race to
/// TOPIC_ALREADY_EXISTS.
/// </summary>
public sealed partial class InternalTopicCreator(
    ControllerHost controller, ControllerForwarder forwarder, InternalTopic topic, ILogger<InternalTopicCreator> logger)
{
    private const short CreateTopicsVersion = 7;
    private static readonly TimeSpan s_createWait = TimeSpan.FromSeconds(5);

    /// <summary>The topic this creator makes.</summary>
    public InternalTopic Topic => topic;

    /// <summary>Asks the controller to create the topic; returns the controller's error (TOPIC_ALREADY_EXISTS is success).</summary>
    public async Task<ErrorCode> CreateAsync(RequestContext context)
    {
        var configs = topic.Configs();
        ErrorCode error;
        string? message;
        if (controller.IsActive)
        {
            try
            {
                var results = await controller.SubmitAsync(c => c.CreateTopics([new CreatableTopic(topic.Name, topic.Partitions, topic.ReplicationFactor, null, configs)]))
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
            var creatable = new CreateTopicsRequest.CreatableTopic { Name = topic.Name, NumPartitions = topic.Partitions, ReplicationFactor = topic.ReplicationFactor };
            foreach (var (name, value) in configs)
            {
                creatable.Configs.Add(new CreateTopicsRequest.CreatableTopicConfig { Name = name, Value = value });
            }

            create.Topics.Add(creatable);
            var forwardContext = new RequestContext(context.ConnectionId, context.RemoteEndPoint, CreateTopicsVersion, context.CorrelationId, context.ClientId, context.ConnectionClosed);
            var response = await forwarder.ForwardAsync<CreateTopicsResponse>(forwardContext, create).ConfigureAwait(false);
            (error, message) = response is { Topics.Count: 1 }
                ? ((ErrorCode)response.Topics[0].ErrorCode, response.Topics[0].ErrorMessage)
                : (ErrorCode.NotController, "no controller could be reached");
        }

        if (error is ErrorCode.None)
        {
            LogCreated(topic.Name, topic.Partitions, topic.ReplicationFactor);
        }
        else if (error is not ErrorCode.TopicAlreadyExists)
        {
            LogNotCreated(topic.Name, error, message);
        }

        return error is ErrorCode.TopicAlreadyExists ? ErrorCode.None : error;
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Created {Topic}: {Partitions} partitions, replication factor {ReplicationFactor}")]
    private partial void LogCreated(string topic, int partitions, short replicationFactor);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "{Topic} not created yet ({Error}: {Message}); FindCoordinator answers COORDINATOR_NOT_AVAILABLE until it is")]
    private partial void LogNotCreated(string topic, ErrorCode error, string? message);
}
