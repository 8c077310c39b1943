using Fjord.Broker.Handlers;
using Fjord.Broker.Hosting;
using Fjord.Broker.Network;
using Fjord.Metadata;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Rpc.Admin;
using Grpc.Core;

namespace Fjord.Broker.Cluster;

/// <summary>
/// The admin service on the rpc listener (admin.proto), the contract the Kubernetes operator drives a
/// cluster with. Reads (DescribeCluster, DescribeTopics, ListReassignments' topic lookup) answer from this
/// node's committed metadata image. Mutations that Kafka has an API for are built as that Kafka request and
/// run through this node's own handler, so they go to the active controller exactly like a Kafka client's
/// request (<see cref="ControllerRequestRouter"/>: in-process or forwarded, KIP-590). DrainBroker,
/// UnregisterBroker and config changes have no Kafka request to forward: they run on this node's controller,
/// and another node answers NOT_CONTROLLER with the controller id. Errors are Kafka codes with a message in
/// the response, never a gRPC status. Thread-safe: stateless apart from
/// the injected thread-safe services.
/// </summary>
public sealed partial class AdminGrpcService(
    MetadataQuorum quorum, ControllerHost controller, ApiHandlerRegistry handlers, ClusterIdentity identity) : AdminService.AdminServiceBase
{
    /// <summary>The connection id of the Kafka request context an admin call runs its handler with.</summary>
    public const string AdminConnectionId = "admin-grpc";

    /// <summary>How long a mutation waits for this node's image to show its committed result before describing it.</summary>
    private static readonly TimeSpan ImageCatchUp = TimeSpan.FromSeconds(5);

    public override Task<DescribeClusterResponse> DescribeCluster(DescribeClusterRequest request, ServerCallContext context)
    {
        var image = quorum.StateMachine.Image;
        var summary = ClusterSummary.From(image, quorum.LeaderNodeId);
        var leaders = new Dictionary<int, int>();
        var replicas = new Dictionary<int, int>();
        foreach (var topic in image.TopicsById.Values)
            foreach (var p in topic.Partitions.Values)
            {
                if (p.HasLeader) leaders[p.Leader] = leaders.GetValueOrDefault(p.Leader) + 1;
                foreach (var r in p.Replicas) replicas[r] = replicas.GetValueOrDefault(r) + 1;
            }
        var response = new DescribeClusterResponse
        {
            ClusterId = identity.ClusterId,
            ControllerId = summary.ControllerId,
            FencedBrokers = summary.FencedBrokers,
            Topics = summary.Topics,
            Partitions = summary.Partitions,
            UnderReplicatedPartitions = summary.UnderReplicatedPartitions,
            OfflinePartitions = summary.OfflinePartitions,
            ReassigningPartitions = summary.ReassigningPartitions,
            MetadataOffset = image.Offset,
        };
        foreach (var broker in summary.Brokers)
        {
            var info = new BrokerInfo
            {
                Id = broker.Id,
                Fenced = broker.Fenced,
                InControlledShutdown = broker.InControlledShutdown,
                Epoch = broker.Epoch,
                LeaderCount = leaders.GetValueOrDefault(broker.Id),
                ReplicaCount = replicas.GetValueOrDefault(broker.Id),
            };
            if (broker.Rack is not null) info.Rack = broker.Rack;
            foreach (var endpoint in broker.Endpoints)
                info.Endpoints.Add(new BrokerEndpoint { Name = endpoint.Name, Host = endpoint.Host, Port = endpoint.Port });
            response.Brokers.Add(info);
        }
        return Task.FromResult(response);
    }

    public override async Task<DrainBrokerResponse> DrainBroker(DrainBrokerRequest request, ServerCallContext context)
    {
        var (reply, error) = await OnControllerAsync(c => c.DrainBroker(request.BrokerId)).ConfigureAwait(false);
        if (error is not null) return new DrainBrokerResponse { Error = error };
        return new DrainBrokerResponse { Error = ErrorOf(reply!.Error, reply.Message), ReassignedPartitions = reply.ReassignedPartitions };
    }

    public override async Task<UnregisterBrokerResponse> UnregisterBroker(UnregisterBrokerRequest request, ServerCallContext context)
    {
        var (reply, error) = await OnControllerAsync(c => c.UnregisterBroker(request.BrokerId)).ConfigureAwait(false);
        if (error is not null) return new UnregisterBrokerResponse { Error = error };
        return new UnregisterBrokerResponse
        {
            Error = ErrorOf(reply, reply == ErrorCode.BrokerIdNotRegistered ? $"Broker {request.BrokerId} is not registered." : null),
        };
    }

    /// <summary>
    /// Runs a controller command on this node's controller; when this node is not the active controller the
    /// error is NOT_CONTROLLER with the controller id it knows.
    /// </summary>
    private async Task<(T? Reply, Error? Error)> OnControllerAsync<T>(Func<QuorumController, ControllerResult<T>> command)
    {
        try
        {
            return (await controller.SubmitAsync(command).ConfigureAwait(false), null);
        }
        catch (NotControllerException e)
        {
            var controllerId = e.ControllerId >= 0 ? e.ControllerId : quorum.LeaderNodeId;
            return (default, new Error
            {
                Code = (int)ErrorCode.NotController,
                Message = $"Node {quorum.NodeId} is not the active controller; retry on node {controllerId}.",
                ControllerId = controllerId,
            });
        }
    }

    /// <summary>Runs a Kafka request through this node's handler for it (which runs it on, or forwards it to, the controller).</summary>
    private async Task<TResponse> KafkaAsync<TResponse>(IRequestMessage request, short version, ServerCallContext call)
        where TResponse : class, IResponseMessage
    {
        var handler = handlers.Find(request.ApiKey) ?? throw new InvalidOperationException($"no handler for API {request.ApiKey}");
        var context = new RequestContext(AdminConnectionId, null, version, 0, "fjord-admin-grpc", call.CancellationToken);
        var response = await handler.HandleAsync(context, request).ConfigureAwait(false);
        return (TResponse)(response ?? throw new InvalidOperationException($"the {request.ApiKey} handler sent no response"));
    }

    /// <summary>Waits until this node's committed image satisfies <paramref name="condition"/> (the controller committed, the image follows).</summary>
    private async Task<MetadataImage> ImageWhereAsync(Func<MetadataImage, bool> condition, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + ImageCatchUp;
        var image = quorum.StateMachine.Image;
        while (!condition(image) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, cancel).ConfigureAwait(false);
            image = quorum.StateMachine.Image;
        }
        return image;
    }

    private static Error ErrorOf(ErrorCode code, string? message) =>
        code == ErrorCode.None ? new Error() : new Error { Code = (int)code, Message = message ?? code.KafkaName(), ControllerId = -1 };

    private static Error ErrorOf(short code, string? message) => ErrorOf((ErrorCode)code, message);
}
