using Fjord.Metadata;
using Fjord.Protocol.Errors;
using Fjord.Rpc.Controller;
using Grpc.Core;

namespace Fjord.Broker.Cluster;

/// <summary>
/// The controller service on the rpc listener: broker registration and heartbeats mapped onto
/// <see cref="ControllerHost"/>; a node that is not the active controller answers NOT_CONTROLLER with the
/// controller id it knows. AlterPartition, AllocateProducerIds and Forward are not served yet
/// (UNIMPLEMENTED). Thread-safe.
/// </summary>
public sealed class ControllerGrpcService(ControllerHost controller, MetadataQuorum quorum) : ControllerService.ControllerServiceBase
{
    public override async Task<Rpc.Controller.BrokerRegistrationResponse> RegisterBroker(Rpc.Controller.BrokerRegistrationRequest request, ServerCallContext context)
    {
        var endpoints = request.Endpoints.Select(e => new BrokerEndpointInfo(e.Name, e.Host, e.Port, e.SecurityProtocol)).ToList();
        var command = new Metadata.BrokerRegistrationRequest(request.BrokerId, Uuids.ToGuid(request.IncarnationId),
            request.HasRack ? request.Rack : null, endpoints);
        try
        {
            var reply = await controller.SubmitAsync(c => c.RegisterBroker(command)).ConfigureAwait(false);
            return new() { ErrorCode = (int)reply.Error, BrokerEpoch = reply.BrokerEpoch, ControllerId = quorum.NodeId };
        }
        catch (NotControllerException e)
        {
            return new() { ErrorCode = (int)ErrorCode.NotController, ControllerId = e.ControllerId, BrokerEpoch = -1 };
        }
    }

    public override async Task<Rpc.Controller.BrokerHeartbeatResponse> BrokerHeartbeat(Rpc.Controller.BrokerHeartbeatRequest request, ServerCallContext context)
    {
        var command = new Metadata.BrokerHeartbeatRequest(request.BrokerId, request.BrokerEpoch, request.WantFence, request.WantShutDown);
        try
        {
            var reply = await controller.SubmitAsync(c => c.BrokerHeartbeat(command)).ConfigureAwait(false);
            return new()
            {
                ErrorCode = (int)reply.Error,
                ControllerId = quorum.NodeId,
                IsFenced = reply.IsFenced,
                InControlledShutdown = reply.InControlledShutdown,
                ShouldShutDown = reply.ShouldShutDown,
                HeartbeatIntervalMs = (int)BrokerLifecycleService.HeartbeatInterval.TotalMilliseconds,
            };
        }
        catch (NotControllerException e)
        {
            return new() { ErrorCode = (int)ErrorCode.NotController, ControllerId = e.ControllerId };
        }
    }
}
