using Fjord.Broker.Configuration;
using Fjord.Broker.Network;
using Fjord.Broker.Topics;
using Fjord.Metadata;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// AlterPartitionReassignments, version 0 (KIP-455), single-node mode: a one-broker cluster, answered as
/// Kafka's controller answers it there. Per partition: unknown → UNKNOWN_TOPIC_OR_PARTITION; null replicas
/// (cancel) → NO_REASSIGNMENT_IN_PROGRESS, since nothing can be moving; an empty list, a broker named twice or
/// any broker but this one → INVALID_REPLICA_ASSIGNMENT with Kafka's messages; exactly this broker → success,
/// the partition is already there. Cluster mode serves <see cref="Cluster.ClusterAlterPartitionReassignmentsHandler"/>.
/// </summary>
public sealed class AlterPartitionReassignmentsHandler(TopicRegistry topics, BrokerConfig config)
    : ApiHandler<AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse>
{
    public override ApiKey ApiKey => ApiKey.AlterPartitionReassignments;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    protected override ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, AlterPartitionReassignmentsRequest request)
    {
        var results = new List<ReassignmentResult>();
        foreach (var r in RequestsOf(request))
        {
            var (error, message) = Validate(r);
            results.Add(new ReassignmentResult(r.Topic, r.Partition, error, message));
        }
        return new(ToResponse(results));
    }

    private (ErrorCode, string?) Validate(ReassignmentRequest r)
    {
        if (!topics.TryGet(r.Topic, out var topic) || r.Partition < 0 || r.Partition >= topic.PartitionCount)
            return (ErrorCode.UnknownTopicOrPartition, "This server does not host this topic-partition.");
        if (r.TargetReplicas is null)
            return (ErrorCode.NoReassignmentInProgress, $"No ongoing reassignment for {r.Topic}-{r.Partition}.");
        if (r.TargetReplicas.Count == 0)
            return (ErrorCode.InvalidReplicaAssignment, "The manual partition assignment includes an empty replica list.");
        int? previous = null;
        foreach (var broker in r.TargetReplicas.Order())
        {
            if (broker != config.NodeId)
                return (ErrorCode.InvalidReplicaAssignment, $"The manual partition assignment includes broker {broker}, but no such broker is registered.");
            if (broker == previous)
                return (ErrorCode.InvalidReplicaAssignment, $"The manual partition assignment includes the broker {broker} more than once.");
            previous = broker;
        }
        return (ErrorCode.None, null);
    }

    /// <summary>The request as controller commands: one per partition, null targets for a cancellation.</summary>
    internal static List<ReassignmentRequest> RequestsOf(AlterPartitionReassignmentsRequest request) =>
        [.. request.Topics.SelectMany(t => t.Partitions.Select(p => new ReassignmentRequest(t.Name, p.PartitionIndex, p.Replicas)))];

    /// <summary>Kafka's response shape: results grouped by topic, a null message where there is no error.</summary>
    internal static AlterPartitionReassignmentsResponse ToResponse(IEnumerable<ReassignmentResult> results)
    {
        var response = new AlterPartitionReassignmentsResponse { ErrorMessage = null };
        foreach (var topic in results.GroupBy(r => r.Topic))
        {
            var entry = new AlterPartitionReassignmentsResponse.ReassignableTopicResponse { Name = topic.Key };
            foreach (var r in topic)
                entry.Partitions.Add(new AlterPartitionReassignmentsResponse.ReassignablePartitionResponse
                {
                    PartitionIndex = r.Partition,
                    ErrorCode = (short)r.Error,
                    ErrorMessage = r.Error == ErrorCode.None ? null : r.Message,
                });
            response.Responses.Add(entry);
        }
        return response;
    }

    protected override AlterPartitionReassignmentsResponse ErrorResponse(AlterPartitionReassignmentsRequest request, ErrorCode error) => Failed(request, error);

    /// <summary>Fails the whole request and every partition in it with <paramref name="error"/>.</summary>
    internal static AlterPartitionReassignmentsResponse Failed(AlterPartitionReassignmentsRequest request, ErrorCode error)
    {
        var response = new AlterPartitionReassignmentsResponse { ErrorCode = (short)error, ErrorMessage = null };
        foreach (var topic in request.Topics)
        {
            var entry = new AlterPartitionReassignmentsResponse.ReassignableTopicResponse { Name = topic.Name };
            foreach (var partition in topic.Partitions)
                entry.Partitions.Add(new AlterPartitionReassignmentsResponse.ReassignablePartitionResponse { PartitionIndex = partition.PartitionIndex, ErrorCode = (short)error, ErrorMessage = null });
            response.Responses.Add(entry);
        }
        return response;
    }
}
