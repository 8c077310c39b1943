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
/// AlterPartitionReassignments, version 0 (KIP-455): a
/// <see cref="QuorumController.AlterPartitionReassignments"/> command on the active controller, answered once
/// its records commit. Target replicas start a reassignment (or replace one in progress); null replicas cancel
/// it (NO_REASSIGNMENT_IN_PROGRESS when there is none). The adding replicas then fetch as followers, and the
/// reassignment completes when the leader has them all in the ISR. Forwarded to the controller by
/// <see cref="ControllerRequestRouter"/>.
/// </summary>
public sealed class AlterPartitionReassignmentsHandler(ControllerRequestRouter router)
    : ApiHandler<AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse>
{
    public override ApiKey ApiKey => ApiKey.AlterPartitionReassignments;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, AlterPartitionReassignmentsRequest request)
    {
        var requests = RequestsOf(request);
        return await router.RunAsync<IReadOnlyList<ReassignmentResult>, AlterPartitionReassignmentsResponse>(context, request,
            c => c.AlterPartitionReassignments(requests), ToResponse,
            error => ErrorResponse(request, error)).ConfigureAwait(false);
    }

    protected override AlterPartitionReassignmentsResponse ErrorResponse(AlterPartitionReassignmentsRequest request, ErrorCode error) =>
        Failed(request, error);

    /// <summary>The request as controller commands: one per partition, null targets for a cancellation.</summary>
    private static List<ReassignmentRequest> RequestsOf(AlterPartitionReassignmentsRequest request) =>
        [.. request.Topics.SelectMany(t => t.Partitions.Select(p => new ReassignmentRequest(t.Name, p.PartitionIndex, p.Replicas)))];

    /// <summary>Kafka's response shape: results grouped by topic, a null message where there is no error.</summary>
    private static AlterPartitionReassignmentsResponse ToResponse(IEnumerable<ReassignmentResult> results)
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

    /// <summary>Fails the whole request and every partition in it with <paramref name="error"/>.</summary>
    private static AlterPartitionReassignmentsResponse Failed(AlterPartitionReassignmentsRequest request, ErrorCode error)
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
