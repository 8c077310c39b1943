using Fjord.Broker.Handlers;
using Fjord.Broker.Network;
using Fjord.Metadata;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Cluster;

/// <summary>
/// ListPartitionReassignments, version 0 (KIP-455), in cluster mode: the reassignments in progress as the
/// active controller sees them (its image includes what it decided but has not yet committed, so a
/// reassignment that was just accepted is listed). A null topic list means every partition; unknown topics
/// are skipped, as in Kafka. Runs on the controller, forwarded by <see cref="ControllerRequestRouter"/>.
/// </summary>
public sealed class ClusterListPartitionReassignmentsHandler(ControllerRequestRouter router)
    : ApiHandler<ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse>
{
    public override ApiKey ApiKey => ApiKey.ListPartitionReassignments;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, ListPartitionReassignmentsRequest request)
    {
        var partitions = ListPartitionReassignmentsHandler.PartitionsOf(request);
        return await router.RunAsync<IReadOnlyList<OngoingReassignment>, ListPartitionReassignmentsResponse>(context, request,
            c => new ControllerResult<IReadOnlyList<OngoingReassignment>>([], c.ListPartitionReassignments(partitions)),
            ListPartitionReassignmentsHandler.ToResponse, error => ErrorResponse(request, error)).ConfigureAwait(false);
    }

    protected override ListPartitionReassignmentsResponse ErrorResponse(ListPartitionReassignmentsRequest request, ErrorCode error) =>
        new() { ErrorCode = (short)error, ErrorMessage = null };
}
