using Fjord.Broker.Handlers;
using Fjord.Broker.Network;
using Fjord.Metadata;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Cluster;

/// <summary>
/// AlterPartitionReassignments, version 0 (KIP-455), in cluster mode: a
/// <see cref="QuorumController.AlterPartitionReassignments"/> command on the active controller, answered once
/// its records commit. Target replicas start a reassignment (or replace one in progress); null replicas cancel
/// it (NO_REASSIGNMENT_IN_PROGRESS when there is none). The adding replicas then fetch as followers, and the
/// reassignment completes when the leader has them all in the ISR. Forwarded to the controller by
/// <see cref="ControllerRequestRouter"/>.
/// </summary>
public sealed class ClusterAlterPartitionReassignmentsHandler(ControllerRequestRouter router)
    : ApiHandler<AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse>
{
    public override ApiKey ApiKey => ApiKey.AlterPartitionReassignments;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, AlterPartitionReassignmentsRequest request)
    {
        var requests = AlterPartitionReassignmentsHandler.RequestsOf(request);
        return await router.RunAsync<IReadOnlyList<ReassignmentResult>, AlterPartitionReassignmentsResponse>(context, request,
            c => c.AlterPartitionReassignments(requests), AlterPartitionReassignmentsHandler.ToResponse,
            error => ErrorResponse(request, error)).ConfigureAwait(false);
    }

    protected override AlterPartitionReassignmentsResponse ErrorResponse(AlterPartitionReassignmentsRequest request, ErrorCode error) =>
        AlterPartitionReassignmentsHandler.Failed(request, error);
}
