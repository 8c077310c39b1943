using Fjord.Broker.Configuration;
using Fjord.Broker.Network;
using Fjord.Broker.Topics;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// CreateTopics, versions 2-7 (Kafka 4's minimum is 2; kafka-python's admin sends 3, librdkafka up to 4).
/// - NumPartitions/ReplicationFactor of -1 take num.partitions/default.replication.factor.
/// - Manual assignments must name only this node (one broker until the controller quorum);
///   NumPartitions must then be -1, as Kafka requires.
/// - A name given twice in one request fails both entries with INVALID_REQUEST.
/// - validateOnly checks everything and creates nothing.
/// - v5+: the result carries the partition count, replication factor and effective configs.
/// </summary>
public sealed class CreateTopicsHandler(TopicRegistry topics, TopicConfigResolver configResolver, BrokerConfig config) : ApiHandler<CreateTopicsRequest, CreateTopicsResponse>
{
    public override ApiKey ApiKey => ApiKey.CreateTopics;

    public override short MinVersion => 2;

    public override short MaxVersion => 7;

    protected override ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, CreateTopicsRequest request)
    {
        var response = new CreateTopicsResponse();
        var duplicates = request.Topics.GroupBy(t => t.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
        foreach (var creatable in request.Topics)
        {
            if (duplicates.Contains(creatable.Name))
            {
                response.Topics.Add(Failed(creatable.Name, ErrorCode.InvalidRequest, $"Create topics request from client `{context.ClientId}` contains multiple entries for the following topics: {creatable.Name}"));
                continue;
            }

            response.Topics.Add(Create(creatable, request.validateOnly));
        }

        return new(response);
    }

    private CreateTopicsResponse.CreatableTopicResult Create(CreateTopicsRequest.CreatableTopic creatable, bool validateOnly)
    {
        var partitions = creatable.NumPartitions;
        var replicationFactor = creatable.ReplicationFactor;
        if (creatable.Assignments.Count > 0)
        {
            if (partitions != -1 || replicationFactor != -1)
            {
                return Failed(creatable.Name, ErrorCode.InvalidRequest, "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.");
            }

            foreach (var assignment in creatable.Assignments)
            {
                if (assignment.BrokerIds.Count == 0 || assignment.BrokerIds.Any(b => b != config.NodeId))
                {
                    return Failed(creatable.Name, ErrorCode.InvalidReplicaAssignment, $"Replica assignment for partition {assignment.PartitionIndex} names brokers other than the only registered broker {config.NodeId}.");
                }
            }

            var indexes = creatable.Assignments.Select(a => a.PartitionIndex).Order().ToList();
            if (!indexes.SequenceEqual(Enumerable.Range(0, indexes.Count)))
            {
                return Failed(creatable.Name, ErrorCode.InvalidReplicaAssignment, "Partitions should be a consecutive 0-based integer sequence.");
            }

            partitions = indexes.Count;
            replicationFactor = (short)creatable.Assignments[0].BrokerIds.Count;
        }

        var configs = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var entry in creatable.Configs)
        {
            configs[entry.Name] = entry.Value;
        }

        var result = topics.Create(creatable.Name, partitions, replicationFactor, configs, validateOnly);
        if (result.Topic is not { } topic)
        {
            return Failed(creatable.Name, result.Error, result.Message);
        }

        var created = new CreateTopicsResponse.CreatableTopicResult
        {
            Name = topic.Name,
            TopicId = topic.TopicId,
            NumPartitions = topic.PartitionCount,
            ReplicationFactor = topic.ReplicationFactor,
            Configs = [],
        };
        foreach (var resolved in configResolver.Resolve(topic.ConfigOverrides))
        {
            created.Configs.Add(new CreateTopicsResponse.CreatableTopicConfigs
            {
                Name = resolved.Definition.Name,
                Value = resolved.Value,
                ReadOnly = false,
                ConfigSource = (sbyte)resolved.Source,
                IsSensitive = false,
            });
        }

        return created;
    }

    private static CreateTopicsResponse.CreatableTopicResult Failed(string name, ErrorCode error, string? message) =>
        new() { Name = name, ErrorCode = (short)error, ErrorMessage = message, Configs = null };

    protected override CreateTopicsResponse ErrorResponse(CreateTopicsRequest request, ErrorCode error)
    {
        var response = new CreateTopicsResponse();
        foreach (var topic in request.Topics)
        {
            response.Topics.Add(Failed(topic.Name, error, null));
        }

        return response;
    }
}
