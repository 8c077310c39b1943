using Fjord.Integration.Tests.Harness;
using Fjord.Protocol;
using Fjord.Protocol.Messages;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>
/// Kafka admin requests Confluent.Kafka has no call for, or that must reach one chosen broker (to prove it
/// forwards to the controller): sent over <see cref="RawKafkaConnection"/> to that broker's Kafka port, retried
/// while the answer is NOT_CONTROLLER (41: no controller elected yet). Stateless; safe from any test thread.
/// </summary>
internal static class RawAdminRequests
{
    private const short NotController = 41;

    /// <summary>Kafka's config resource types (ConfigResource.Type): a topic, a broker (name "" = the cluster-wide default).</summary>
    public const sbyte TopicResource = 2, BrokerResource = 4;

    /// <summary>
    /// CreateTopics v7 with one partition on exactly <paramref name="replicas"/> (Confluent.Kafka 2.16's
    /// ReplicasAssignments trips librdkafka's own "default partition count" check); returns the topic's error.
    /// </summary>
    public static short CreateTopic(int kafkaPort, string topic, int[] replicas, IReadOnlyDictionary<string, string>? configs = null)
    {
        var request = new CreateTopicsRequest { timeoutMs = 10_000 };
        var creatable = new CreateTopicsRequest.CreatableTopic
        {
            Name = topic,
            NumPartitions = -1,
            ReplicationFactor = -1,
            Assignments = [new CreateTopicsRequest.CreatableReplicaAssignment { PartitionIndex = 0, BrokerIds = [.. replicas] }],
        };
        foreach (var (name, value) in configs ?? new Dictionary<string, string>())
            creatable.Configs.Add(new CreateTopicsRequest.CreatableTopicConfig { Name = name, Value = value });
        request.Topics.Add(creatable);
        var response = Send<CreateTopicsResponse>(kafkaPort, request, 7, r => r.Topics.Any(t => t.ErrorCode == NotController));
        return Assert.Single(response.Topics).ErrorCode;
    }

    /// <summary>AlterPartitionReassignments v0 for one partition; null <paramref name="replicas"/> cancels. Returns the partition's error and message.</summary>
    public static (short Error, string? Message) Reassign(int kafkaPort, string topic, int partition, int[]? replicas)
    {
        var request = new AlterPartitionReassignmentsRequest { TimeoutMs = 10_000 };
        request.Topics.Add(new AlterPartitionReassignmentsRequest.ReassignableTopic
        {
            Name = topic,
            Partitions = [new AlterPartitionReassignmentsRequest.ReassignablePartition { PartitionIndex = partition, Replicas = replicas?.ToList() }],
        });
        var response = Send<AlterPartitionReassignmentsResponse>(kafkaPort, request, 0,
            r => r.ErrorCode == NotController || r.Responses.Any(t => t.Partitions.Any(p => p.ErrorCode == NotController)));
        Assert.Equal(0, response.ErrorCode);
        var result = Assert.Single(Assert.Single(response.Responses).Partitions);
        return (result.ErrorCode, result.ErrorMessage);
    }

    /// <summary>ListPartitionReassignments v0 for every partition: (topic, partition) → (replicas, adding, removing).</summary>
    public static Dictionary<(string Topic, int Partition), (int[] Replicas, int[] Adding, int[] Removing)> ListReassignments(int kafkaPort)
    {
        var response = Send<ListPartitionReassignmentsResponse>(kafkaPort, new ListPartitionReassignmentsRequest { TimeoutMs = 10_000, Topics = null }, 0,
            r => r.ErrorCode == NotController);
        Assert.Equal(0, response.ErrorCode);
        return response.Topics.SelectMany(t => t.Partitions.Select(p => (t.Name, p)))
            .ToDictionary(x => (x.Name, x.p.PartitionIndex), x => (x.p.Replicas.ToArray(), x.p.AddingReplicas.ToArray(), x.p.RemovingReplicas.ToArray()));
    }

    /// <summary>ElectLeaders v2; null <paramref name="partitions"/> means every partition.</summary>
    public static ElectLeadersResponse ElectLeaders(int kafkaPort, sbyte electionType, Dictionary<string, int[]>? partitions)
    {
        var request = new ElectLeadersRequest
        {
            ElectionType = electionType,
            TimeoutMs = 10_000,
            TopicPartitions = partitions?.Select(kv => new ElectLeadersRequest.TopicPartitionsData { Topic = kv.Key, Partitions = [.. kv.Value] }).ToList(),
        };
        return Send<ElectLeadersResponse>(kafkaPort, request, 2, r => r.ErrorCode == NotController);
    }

    /// <summary>
    /// IncrementalAlterConfigs v1 setting one config of one resource (<see cref="TopicResource"/> or <see cref="BrokerResource"/>;
    /// broker "" is the dynamic cluster-wide default, which Confluent.Kafka cannot name). Returns the resource's result.
    /// </summary>
    public static IncrementalAlterConfigsResponse.AlterConfigsResourceResponse SetConfig(int kafkaPort, sbyte resourceType, string resourceName, string key, string value)
    {
        const sbyte set = 0;
        var request = new IncrementalAlterConfigsRequest();
        request.Resources.Add(new() { ResourceType = resourceType, ResourceName = resourceName, Configs = [new() { Name = key, ConfigOperation = set, Value = value }] });
        var response = Send<IncrementalAlterConfigsResponse>(kafkaPort, request, 1, r => r.Responses.Any(x => x.ErrorCode == NotController));
        return response.Responses.Single();
    }

    /// <summary>AddRaftVoter v0 (KIP-853) for <paramref name="nodeId"/>, sent once; the error code and message.</summary>
    public static (short Error, string? Message) AddRaftVoter(int kafkaPort, int nodeId)
    {
        var response = SendOnce<AddRaftVoterResponse>(kafkaPort, new AddRaftVoterRequest { ClusterId = null, TimeoutMs = 10_000, VoterId = nodeId }, 0);
        return (response.ErrorCode, response.ErrorMessage);
    }

    /// <summary>RemoveRaftVoter v0 (KIP-853) for <paramref name="nodeId"/>, sent once; the error code and message.</summary>
    public static (short Error, string? Message) RemoveRaftVoter(int kafkaPort, int nodeId)
    {
        var response = SendOnce<RemoveRaftVoterResponse>(kafkaPort, new RemoveRaftVoterRequest { ClusterId = null, VoterId = nodeId }, 0);
        return (response.ErrorCode, response.ErrorMessage);
    }

    private static TResponse SendOnce<TResponse>(int kafkaPort, IRequestMessage request, short version)
        where TResponse : class, IResponseMessage, new()
    {
        using var connection = new RawKafkaConnection(kafkaPort);
        var correlationId = connection.Send(request, version);
        return connection.Receive<TResponse>(request.ApiKey, version, correlationId);
    }

    private static TResponse Send<TResponse>(int kafkaPort, IRequestMessage request, short version, Func<TResponse, bool> retry)
        where TResponse : class, IResponseMessage, new()
    {
        TResponse? response = null;
        Eventually.True(() =>
        {
            using var connection = new RawKafkaConnection(kafkaPort);
            var correlationId = connection.Send(request, version);
            response = connection.Receive<TResponse>(request.ApiKey, version, correlationId);
            return !retry(response);
        }, TimeSpan.FromSeconds(30), () => $"API {request.ApiKey} on port {kafkaPort} answered without NOT_CONTROLLER");
        return response!;
    }
}
