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

// Partitions: reassignment (KIP-455) and leader election (KIP-183, KIP-460), as Kafka requests.
public sealed partial class AdminGrpcService
{
    public override async Task<ReassignPartitionsResponse> ReassignPartitions(ReassignPartitionsRequest request, ServerCallContext context)
    {
        var kafka = new AlterPartitionReassignmentsRequest { TimeoutMs = 30_000 };
        foreach (var topic in request.Reassignments.GroupBy(r => r.Topic))
            kafka.Topics.Add(new AlterPartitionReassignmentsRequest.ReassignableTopic
            {
                Name = topic.Key,
                Partitions = [.. topic.Select(r => new AlterPartitionReassignmentsRequest.ReassignablePartition
                {
                    PartitionIndex = r.Partition,
                    Replicas = r.Cancel ? null : [.. r.TargetReplicas],
                })],
            });
        var response = await KafkaAsync<AlterPartitionReassignmentsResponse>(kafka, 0, context).ConfigureAwait(false);
        var reply = new ReassignPartitionsResponse();
        foreach (var topic in response.Responses)
            foreach (var p in topic.Partitions)
                reply.Results.Add(new PartitionResult
                {
                    Topic = topic.Name,
                    Partition = p.PartitionIndex,
                    Error = p.ErrorCode == 0 && response.ErrorCode != 0 ? ErrorOf(response.ErrorCode, response.ErrorMessage) : ErrorOf(p.ErrorCode, p.ErrorMessage),
                });
        return reply;
    }

    public override async Task<ListReassignmentsResponse> ListReassignments(ListReassignmentsRequest request, ServerCallContext context)
    {
        List<ListPartitionReassignmentsRequest.ListPartitionReassignmentsTopics>? topics = null;
        if (request.Topics.Count > 0)
        {
            // Kafka's request names partitions: every partition of each named topic this node knows of.
            var image = quorum.StateMachine.Image;
            topics = [.. request.Topics.Distinct().Select(name => new ListPartitionReassignmentsRequest.ListPartitionReassignmentsTopics
            {
                Name = name,
                PartitionIndexes = image.GetTopic(name) is { } t ? [.. t.Partitions.Keys] : [],
            })];
        }
        var response = await KafkaAsync<ListPartitionReassignmentsResponse>(
            new ListPartitionReassignmentsRequest { TimeoutMs = 30_000, Topics = topics }, 0, context).ConfigureAwait(false);
        var reply = new ListReassignmentsResponse { Error = ErrorOf(response.ErrorCode, response.ErrorMessage) };
        foreach (var topic in response.Topics)
            foreach (var p in topic.Partitions)
            {
                var ongoing = new OngoingReassignment { Topic = topic.Name, Partition = p.PartitionIndex };
                ongoing.Replicas.AddRange(p.Replicas);
                ongoing.AddingReplicas.AddRange(p.AddingReplicas);
                ongoing.RemovingReplicas.AddRange(p.RemovingReplicas);
                reply.Reassignments.Add(ongoing);
            }
        return reply;
    }

    public override async Task<Rpc.Admin.ElectLeadersResponse> ElectLeaders(Rpc.Admin.ElectLeadersRequest request, ServerCallContext context)
    {
        var kafka = new Protocol.Messages.ElectLeadersRequest
        {
            ElectionType = (sbyte)request.Type,
            TimeoutMs = 30_000,
            TopicPartitions = request.Partitions.Count == 0
                ? null
                : [.. request.Partitions.GroupBy(p => p.Topic).Select(t => new Protocol.Messages.ElectLeadersRequest.TopicPartitionsData
                {
                    Topic = t.Key,
                    Partitions = [.. t.Select(p => p.Partition).Distinct()],
                })],
        };
        var response = await KafkaAsync<Protocol.Messages.ElectLeadersResponse>(kafka, 2, context).ConfigureAwait(false);
        var reply = new Rpc.Admin.ElectLeadersResponse { Error = ErrorOf(response.ErrorCode, null) };
        foreach (var topic in response.ReplicaElectionResults)
            foreach (var p in topic.PartitionResult)
                reply.Results.Add(new PartitionResult { Topic = topic.Topic, Partition = p.PartitionId, Error = ErrorOf(p.ErrorCode, p.ErrorMessage) });
        return reply;
    }
}
