using Fjord.Metadata;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Fjord.Rpc.Admin;
using Grpc.Core;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Admin;

// Topics: create, update (partitions and configs), delete, describe.
public sealed partial class AdminGrpcService
{
    public override async Task<CreateTopicResponse> CreateTopic(CreateTopicRequest request, ServerCallContext context) =>
        (await CreateTopicsAsync([request], request.ValidateOnly, context).ConfigureAwait(false))[0];

    public override async Task<CreateTopicBatchResponse> CreateTopicBatch(CreateTopicBatchRequest request, ServerCallContext context)
    {
        var response = new CreateTopicBatchResponse();
        response.Results.AddRange(await CreateTopicsAsync(request.Topics, request.ValidateOnly, context).ConfigureAwait(false));
        return response;
    }

    /// <summary>
    /// One Kafka CreateTopics (one controller command, so one metadata write batch) for every topic; then waits until this
    /// node's image shows the created ones and describes them. One result per request, in order.
    /// </summary>
    private async Task<List<CreateTopicResponse>> CreateTopicsAsync(IReadOnlyList<CreateTopicRequest> requests, bool validateOnly, ServerCallContext context)
    {
        var kafka = new CreateTopicsRequest { timeoutMs = 30_000, validateOnly = validateOnly };
        foreach (var request in requests)
        {
            var topic = new CreateTopicsRequest.CreatableTopic
            {
                Name = request.Name,
                // Kafka: explicit assignments go with -1 partitions and replication factor.
                NumPartitions = request.Assignments.Count > 0 && request.Partitions == 0 ? -1 : request.Partitions,
                ReplicationFactor = (short)(request.Assignments.Count > 0 && request.ReplicationFactor == 0 ? -1 : request.ReplicationFactor),
            };
            foreach (var a in request.Assignments)
                topic.Assignments.Add(new CreateTopicsRequest.CreatableReplicaAssignment { PartitionIndex = a.Partition, BrokerIds = [.. a.Replicas] });
            foreach (var (name, value) in request.Configs)
                topic.Configs.Add(new CreateTopicsRequest.CreatableTopicConfig { Name = name, Value = value });
            kafka.Topics.Add(topic);
        }
        var response = requests.Count == 0 ? new CreateTopicsResponse() : await KafkaAsync<CreateTopicsResponse>(kafka, 7, context).ConfigureAwait(false);
        var results = response.Topics.GroupBy(t => t.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var created = requests.Select(r => r.Name).Where(n => results.TryGetValue(n, out var r) && r.ErrorCode == 0).ToHashSet(StringComparer.Ordinal);
        var image = created.Count == 0 || validateOnly
            ? quorum.StateMachine.Image
            : await ImageWhereAsync(i => created.All(n => i.GetTopic(n) is { Partitions.Count: > 0 }), context.CancellationToken).ConfigureAwait(false);
        return [.. requests.Select(request =>
        {
            if (!results.TryGetValue(request.Name, out var result))
                return new CreateTopicResponse { Error = ErrorOf(ErrorCode.UnknownServerError, "The controller answered without a result for the topic.") };
            if (result.ErrorCode != 0 || validateOnly) return new CreateTopicResponse { Error = ErrorOf(result.ErrorCode, result.ErrorMessage) };
            return new CreateTopicResponse { Error = new Error(), Topic = Describe(image, request.Name) ?? new TopicDescription { Name = request.Name } };
        })];
    }

    /// <summary>
    /// Grows partitions first (CreatePartitions, forwarded), then changes configs (IncrementalAlterConfigs, forwarded): a config
    /// change that fails leaves the new partitions in place. With nothing to change it describes the topic.
    /// </summary>
    public override async Task<UpdateTopicResponse> UpdateTopic(UpdateTopicRequest request, ServerCallContext context)
    {
        var changesConfigs = request.SetConfigs.Count + request.DeleteConfigs.Count > 0;
        if (!request.HasPartitions && !changesConfigs)
        {
            return Describe(quorum.StateMachine.Image, request.Name) is { } unchanged
                ? new UpdateTopicResponse { Error = new Error(), Topic = unchanged }
                : new UpdateTopicResponse { Error = ErrorOf(ErrorCode.UnknownTopicOrPartition, $"Topic '{request.Name}' does not exist.") };
        }
        if (request.HasPartitions)
        {
            var kafka = new CreatePartitionsRequest { TimeoutMs = 30_000, ValidateOnly = request.ValidateOnly };
            var topic = new CreatePartitionsRequest.CreatePartitionsTopic { Name = request.Name, Count = request.Partitions, Assignments = null };
            if (request.NewPartitionAssignments.Count > 0)
                topic.Assignments = [.. request.NewPartitionAssignments.OrderBy(a => a.Partition)
                    .Select(a => new CreatePartitionsRequest.CreatePartitionsAssignment { BrokerIds = [.. a.Replicas] })];
            kafka.Topics.Add(topic);
            var response = await KafkaAsync<CreatePartitionsResponse>(kafka, 3, context).ConfigureAwait(false);
            var result = response.Results.FirstOrDefault();
            if (result is null || result.ErrorCode != 0)
                return new UpdateTopicResponse { Error = result is null ? ErrorOf(ErrorCode.UnknownServerError, "No result for the topic.") : ErrorOf(result.ErrorCode, result.ErrorMessage) };
        }
        if (changesConfigs)
        {
            if (await IncrementalAlterConfigsAsync(Handlers.ConfigResourceType.Topic, request.Name, request.SetConfigs, request.DeleteConfigs,
                    request.ValidateOnly, context).ConfigureAwait(false) is { } refused)
                return new UpdateTopicResponse { Error = refused };
        }
        if (request.ValidateOnly) return new UpdateTopicResponse { Error = new Error() };
        var image = await ImageWhereAsync(i => Matches(i, request), context.CancellationToken).ConfigureAwait(false);
        return new UpdateTopicResponse { Error = new Error(), Topic = Describe(image, request.Name) ?? new TopicDescription { Name = request.Name } };
    }

    public override async Task<DeleteTopicResponse> DeleteTopic(DeleteTopicRequest request, ServerCallContext context)
    {
        var kafka = new DeleteTopicsRequest { TimeoutMs = 30_000 };
        kafka.Topics.Add(new DeleteTopicsRequest.DeleteTopicState { Name = request.Name });
        var response = await KafkaAsync<DeleteTopicsResponse>(kafka, 6, context).ConfigureAwait(false);
        var result = response.Responses.FirstOrDefault();
        return new DeleteTopicResponse
        {
            Error = result is null ? ErrorOf(ErrorCode.UnknownServerError, "No result for the topic.") : ErrorOf(result.ErrorCode, result.ErrorMessage),
        };
    }

    public override Task<DescribeTopicsResponse> DescribeTopics(DescribeTopicsRequest request, ServerCallContext context)
    {
        var image = quorum.StateMachine.Image;
        var response = new DescribeTopicsResponse();
        var names = request.Names.Count > 0 ? request.Names.Distinct() : image.TopicIdsByName.Keys;
        foreach (var name in names)
        {
            if (Describe(image, name) is { } description) response.Topics.Add(description);
            else response.Unknown.Add(name);
        }
        return Task.FromResult(response);
    }

    /// <summary>A topic as the image has it; null when it does not exist.</summary>
    private static TopicDescription? Describe(MetadataImage image, string name)
    {
        if (image.GetTopic(name) is not { } topic) return null;
        var description = new TopicDescription { Name = topic.Name, TopicId = Uuids.ToByteString(topic.Id) };
        foreach (var (index, p) in topic.Partitions)
        {
            var state = new PartitionState { Partition = index, Leader = p.Leader, LeaderEpoch = p.LeaderEpoch };
            state.Replicas.AddRange(p.Replicas);
            state.Isr.AddRange(p.Isr);
            state.AddingReplicas.AddRange(p.AddingReplicas);
            state.RemovingReplicas.AddRange(p.RemovingReplicas);
            state.OfflineReplicas.AddRange(p.Replicas.Where(r => !image.Brokers.TryGetValue(r, out var b) || b.Fenced));
            description.Partitions.Add(state);
        }
        if (image.Configs.TryGetValue(ConfigResource.Topic(name), out var configs))
            foreach (var (key, value) in configs) description.Configs[key] = value;
        return description;
    }

    /// <summary>True once the image shows an update's partitions and configs.</summary>
    private static bool Matches(MetadataImage image, UpdateTopicRequest request)
    {
        if (image.GetTopic(request.Name) is not { } topic) return false;
        if (request.HasPartitions && topic.Partitions.Count < request.Partitions) return false;
        image.Configs.TryGetValue(ConfigResource.Topic(request.Name), out var configs);
        foreach (var (key, value) in request.SetConfigs)
            if (configs is null || !configs.TryGetValue(key, out var current) || current != value) return false;
        foreach (var key in request.DeleteConfigs)
            if (configs is not null && configs.ContainsKey(key)) return false;
        return true;
    }
}
