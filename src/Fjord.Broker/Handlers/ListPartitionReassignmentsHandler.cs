using Fjord.Broker.Network;
using Fjord.Metadata;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Handlers;

/// <summary>
/// ListPartitionReassignments, version 0 (KIP-455): the reassignments in progress as the
/// active controller sees them (its image includes what it decided but has not yet committed, so a
/// reassignment that was just accepted is listed). A null topic list means every partition; unknown topics
/// are skipped, as in Kafka. Runs on the controller, forwarded by <see cref="ControllerRequestRouter"/>.
/// </summary>
public sealed class ListPartitionReassignmentsHandler(ControllerRequestRouter router)
    : ApiHandler<ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse>
{
    public override ApiKey ApiKey => ApiKey.ListPartitionReassignments;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, ListPartitionReassignmentsRequest request)
    {
        var partitions = PartitionsOf(request);
        return await router.RunAsync<IReadOnlyList<OngoingReassignment>, ListPartitionReassignmentsResponse>(context, request,
            c => new ControllerResult<IReadOnlyList<OngoingReassignment>>([], c.ListPartitionReassignments(partitions)),
            ToResponse, error => ErrorResponse(request, error)).ConfigureAwait(false);
    }

    protected override ListPartitionReassignmentsResponse ErrorResponse(ListPartitionReassignmentsRequest request, ErrorCode error) =>
        new() { ErrorCode = (short)error, ErrorMessage = null };

    /// <summary>The partitions asked about; null for every partition.</summary>
    private static IReadOnlyList<TopicPartitionName>? PartitionsOf(ListPartitionReassignmentsRequest request) =>
        request.Topics?.SelectMany(t => t.PartitionIndexes.Select(p => new TopicPartitionName(t.Name, p))).Distinct().ToList();

    /// <summary>Kafka's response shape: ongoing reassignments grouped by topic.</summary>
    private static ListPartitionReassignmentsResponse ToResponse(IEnumerable<OngoingReassignment> ongoing)
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
}
