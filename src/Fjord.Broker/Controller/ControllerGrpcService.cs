using Fjord.Broker.Security;
using System.Buffers;
using Fjord.Broker.Handlers;
using Fjord.Broker.Network;
using Fjord.Metadata;
using Fjord.Protocol;
using Fjord.Protocol.Messages;
using Fjord.Protocol.Errors;
using Fjord.Rpc.Controller;
using Grpc.Core;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Controller;

/// <summary>
/// The controller service on the rpc listener: broker registration, heartbeats, AlterPartition (KIP-497) and
/// producer-id blocks (KIP-730) mapped onto <see cref="ControllerHost"/>; a node that is not the active
/// controller answers NOT_CONTROLLER with the controller id it knows. Forward (KIP-590) runs a forwarded
/// CreateTopics, DeleteTopics, CreatePartitions, ElectLeaders, AlterPartitionReassignments or
/// ListPartitionReassignments through this node's own handler and returns the response body
/// (<see cref="ControllerForwarder"/> is the sending side). Thread-safe.
/// </summary>
public sealed class ControllerGrpcService(ControllerHost controller, MetadataQuorum quorum, Configuration.BrokerConfig config, ApiHandlerRegistry handlers,
    RequestAuthorization authorization)
    : ControllerService.ControllerServiceBase
{
    private static readonly ApiKey[] s_forwardable =
    [
        ApiKey.CreateTopics, ApiKey.DeleteTopics, ApiKey.CreatePartitions,
        ApiKey.ElectLeaders, ApiKey.AlterPartitionReassignments, ApiKey.ListPartitionReassignments,
        ApiKey.AlterConfigs, ApiKey.IncrementalAlterConfigs, ApiKey.CreateAcls, ApiKey.DeleteAcls,
        ApiKey.AlterUserScramCredentials,
        // The metadata quorum's leader is the active controller's node: it alone knows replica progress and changes voters.
        ApiKey.DescribeQuorum, ApiKey.AddRaftVoter, ApiKey.RemoveRaftVoter,
    ];

    public override async Task<ForwardResponse> Forward(ForwardRequest request, ServerCallContext context)
    {
        if (!controller.IsActive) return new() { ErrorCode = (int)ErrorCode.NotController, ControllerId = quorum.LeaderNodeId };
        var headerBytes = request.RequestHeader.Memory;
        if (headerBytes.Length < 4) return new() { ErrorCode = (int)ErrorCode.InvalidRequest, ControllerId = quorum.NodeId };
        var apiKey = System.Buffers.Binary.BinaryPrimitives.ReadInt16BigEndian(headerBytes.Span);
        var version = System.Buffers.Binary.BinaryPrimitives.ReadInt16BigEndian(headerBytes.Span[2..]);
        var handler = handlers.Find(apiKey);
        if (handler is null || !s_forwardable.Contains(handler.ApiKey) || version < handler.MinVersion || version > handler.MaxVersion)
            return new() { ErrorCode = (int)ErrorCode.InvalidRequest, ControllerId = quorum.NodeId };
        IRequestMessage body;
        RequestHeader header = new();
        try
        {
            var headerReader = new ProtocolReader(new ReadOnlySequence<byte>(headerBytes));
            header.Read(ref headerReader, ApiMessages.RequestHeaderVersion(apiKey, version));
            body = ApiMessages.CreateRequest(apiKey)!;
            var bodyReader = new ProtocolReader(new ReadOnlySequence<byte>(request.RequestData.Memory));
            body.Read(ref bodyReader, version);
        }
        catch (ProtocolException)
        {
            return new() { ErrorCode = (int)ErrorCode.InvalidRequest, ControllerId = quorum.NodeId };
        }
        var requestContext = new RequestContext(ControllerForwarder.ForwardedConnectionId, null, version, header.CorrelationId, header.ClientId, context.CancellationToken)
        {
            // The forwarding broker authenticated the client; the controller authorizes it (KIP-590's envelope).
            ForwardedPrincipal = request.Principal.Length > 0 ? request.Principal : null,
            ForwardedClientHost = request.ClientHost,
        };
        var response = await authorization.HandleAsync(handler, requestContext, body).ConfigureAwait(false) ?? handler.ErrorResponse(body, ErrorCode.UnknownServerError);
        return new() { ControllerId = quorum.NodeId, ResponseData = ControllerForwarder.Encode(response, version) };
    }

    public override async Task<Rpc.Controller.BrokerRegistrationResponse> RegisterBroker(Rpc.Controller.BrokerRegistrationRequest request, ServerCallContext context)
    {
        var endpoints = request.Endpoints.Select(e => new BrokerEndpointInfo(e.Name, e.Host, e.Port, e.SecurityProtocol)).ToList();
        var command = new Metadata.BrokerRegistrationRequest(request.BrokerId, Uuids.ToGuid(request.IncarnationId),
            request.HasRack ? request.Rack : null, endpoints, request.LogDirId.IsEmpty ? Guid.Empty : Uuids.ToGuid(request.LogDirId));
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
                HeartbeatIntervalMs = (int)BrokerLifecycleService.HeartbeatIntervalOf(config).TotalMilliseconds,
            };
        }
        catch (NotControllerException e)
        {
            return new() { ErrorCode = (int)ErrorCode.NotController, ControllerId = e.ControllerId };
        }
    }

    /// <summary>
    /// KIP-730: the next block of producer ids for a registered broker presenting its current epoch, answered
    /// once the ProducerIdsRecord has committed (so a new controller never hands the same block out again).
    /// </summary>
    public override async Task<Rpc.Controller.AllocateProducerIdsResponse> AllocateProducerIds(Rpc.Controller.AllocateProducerIdsRequest request, ServerCallContext context)
    {
        try
        {
            var block = await controller.SubmitAsync(c => c.AllocateProducerIds(request.BrokerId, request.BrokerEpoch)).ConfigureAwait(false);
            return new()
            {
                ErrorCode = (int)block.Error,
                ControllerId = quorum.NodeId,
                FirstProducerId = block.FirstProducerId,
                ProducerIdCount = block.Size,
            };
        }
        catch (NotControllerException e)
        {
            return new() { ErrorCode = (int)ErrorCode.NotController, ControllerId = e.ControllerId, FirstProducerId = -1 };
        }
    }

    /// <summary>
    /// KIP-497 AlterPartition from a partition leader: ISR changes with leader-epoch and partition-epoch
    /// fencing, run as a controller command and answered once committed.
    /// </summary>
    public override async Task<Rpc.Controller.AlterPartitionResponse> AlterPartition(Rpc.Controller.AlterPartitionRequest request, ServerCallContext context)
    {
        var items = request.Partitions
            .Select(p => new AlterPartitionItem(Uuids.ToGuid(p.TopicId), p.Partition, p.LeaderEpoch, [.. p.NewIsr], p.PartitionEpoch))
            .ToList();
        var command = new Metadata.AlterPartitionRequest(request.BrokerId, request.BrokerEpoch, items);
        try
        {
            var results = await controller.SubmitAsync(c => c.AlterPartition(command)).ConfigureAwait(false);
            var response = new Rpc.Controller.AlterPartitionResponse { ControllerId = quorum.NodeId };
            foreach (var result in results)
            {
                var partition = new PartitionIsrResult
                {
                    TopicId = Uuids.ToByteString(result.TopicId),
                    Partition = result.Partition,
                    ErrorCode = (int)result.Error,
                    Leader = result.Leader,
                    LeaderEpoch = result.LeaderEpoch,
                    PartitionEpoch = result.PartitionEpoch,
                };
                partition.Isr.AddRange(result.Isr);
                response.Partitions.Add(partition);
            }
            return response;
        }
        catch (NotControllerException e)
        {
            return new() { ErrorCode = (int)ErrorCode.NotController, ControllerId = e.ControllerId };
        }
    }
}
