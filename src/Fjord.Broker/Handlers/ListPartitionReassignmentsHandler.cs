using Fjord.Broker.Network;
using Fjord.Metadata;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// ListPartitionReassignments, version 0 (KIP-455), single-node mode: a one-broker cluster never has a
/// reassignment in progress, so the answer is always an empty list (unknown topics are skipped, as Kafka's
/// controller skips them). Cluster mode serves <see cref="Cluster.ClusterListPartitionReassignmentsHandler"/>.
/// </summary>
public sealed class ListPartitionReassignmentsHandler : ApiHandler<ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse>
{
    public override ApiKey ApiKey => ApiKey.ListPartitionReassignments;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    protected override ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, ListPartitionReassignmentsRequest request) =>
        new(ToResponse([]));

    /// <summary>The partitions asked about; null for every partition.</summary>
    internal static IReadOnlyList<TopicPartitionName>? PartitionsOf(ListPartitionReassignmentsRequest request) =>
        request.Topics?.SelectMany(t => t.PartitionIndexes.Select(p => new TopicPartitionName(t.Name, p))).Distinct().ToList();

    /// <summary>Kafka's response shape: ongoing reassignments grouped by topic.</summary>
    internal static ListPartitionReassignmentsResponse ToResponse(IEnumerable<OngoingReassignment> ongoing)
    {
        var response = new ListPartitionReassignmentsResponse { ErrorMessage = null };
        foreach (var topic in ongoing.GroupBy(r => r.Topic))
        {
            var entry = new ListPartitionReassignmentsResponse.OngoingTopicReassignment { Name = topic.Key };
            foreach (var r in topic)
                entry.Partitions.Add(new ListPartitionReassignmentsResponse.OngoingPartitionReassignment
                {
                    PartitionIndex = r.Partition,
                    Replicas = [.. r.Replicas],
                    AddingReplicas = [.. r.AddingReplicas],
                    RemovingReplicas = [.. r.RemovingReplicas],
                });
            response.Topics.Add(entry);
        }
        return response;
    }

    protected override ListPartitionReassignmentsResponse ErrorResponse(ListPartitionReassignmentsRequest request, ErrorCode error) =>
        new() { ErrorCode = (short)error, ErrorMessage = null };
}
