using Fjord.Broker.Handlers;
using Fjord.Broker.Network;
using Fjord.Metadata;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Cluster;

/// <summary>
/// ElectLeaders, versions 0-2, in cluster mode: a <see cref="QuorumController.ElectLeaders"/> command on the
/// active controller (KIP-183 PREFERRED: the first replica leads again when it is an eligible ISR member,
/// else PREFERRED_LEADER_NOT_AVAILABLE; KIP-460 UNCLEAN, v1+: only leaderless partitions, any eligible
/// replica when no ISR member is), answered once the records commit. A null partition list means every
/// partition, and only partitions that changed are reported. Forwarded to the controller by
/// <see cref="ControllerRequestRouter"/>; an election type other than 0 or 1 gets INVALID_REQUEST.
/// </summary>
public sealed class ClusterElectLeadersHandler(ControllerRequestRouter router) : ApiHandler<ElectLeadersRequest, ElectLeadersResponse>
{
    public override ApiKey ApiKey => ApiKey.ElectLeaders;

    public override short MinVersion => 0;

    public override short MaxVersion => 2;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, ElectLeadersRequest request)
    {
        if (!ElectLeadersHandler.TryElectionType(request, out var type))
            return ElectLeadersHandler.Failed(request, ErrorCode.InvalidRequest, context.ApiVersion);
        var partitions = ElectLeadersHandler.PartitionsOf(request);
        return await router.RunAsync<IReadOnlyList<ElectLeadersResult>, ElectLeadersResponse>(context, request,
            c => c.ElectLeaders(type, partitions), ElectLeadersHandler.ToResponse,
            error => ElectLeadersHandler.Failed(request, error, context.ApiVersion)).ConfigureAwait(false);
    }

    protected override ElectLeadersResponse ErrorResponse(ElectLeadersRequest request, ErrorCode error) =>
        ElectLeadersHandler.Failed(request, error, request.TopicPartitions is null ? (short)1 : (short)0);
}
