using System.Globalization;
using Fjord.Broker.Handlers;
using Fjord.Broker.Hosting;
using Fjord.Broker.Network;
using Fjord.Metadata;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Rpc.Admin;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Balancing;

namespace Fjord.Broker.Admin;

/// <summary>
/// The admin service on the rpc listener (admin.proto), the contract the Kubernetes operator drives a
/// cluster with. Reads (DescribeCluster, DescribeTopics, ListReassignments' topic lookup) answer from this
/// node's committed metadata image. Mutations that Kafka has an API for are built as that Kafka request and
/// run through this node's own handler, so they go to the active controller exactly like a Kafka client's
/// request (<see cref="ControllerRequestRouter"/>: in-process or forwarded, KIP-590); config changes go through
/// the IncrementalAlterConfigs handler the same way. DrainBroker and UnregisterBroker have no Kafka request: they
/// run on this node's controller, or are forwarded to the active controller's admin service
/// (<see cref="ControllerChannels.AdminClientFor"/>). Errors are Kafka codes with a message in
/// the response, never a gRPC status. Thread-safe: stateless apart from
/// the injected thread-safe services.
/// </summary>
public sealed partial class AdminGrpcService(
    MetadataQuorum quorum, ControllerHost controller, ControllerChannels channels, ApiHandlerRegistry handlers, ClusterIdentity identity,
    BalanceExecutor balancer, ILogger<AdminGrpcService> logger) : AdminService.AdminServiceBase
{
    /// <summary>gRPC request header naming the node that forwarded a controller-only admin call (value: its node id).</summary>
    public const string ForwardedFromHeader = "fjord-forwarded-from";

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

    public override Task<DrainBrokerResponse> DrainBroker(DrainBrokerRequest request, ServerCallContext context) =>
        OnControllerAsync(c => c.DrainBroker(request.BrokerId),
            reply => new DrainBrokerResponse { Error = ErrorOf(reply.Error, reply.Message), ReassignedPartitions = reply.ReassignedPartitions },
            (client, options) => client.DrainBrokerAsync(request, options),
            error => new DrainBrokerResponse { Error = error }, context);

    public override Task<UnregisterBrokerResponse> UnregisterBroker(UnregisterBrokerRequest request, ServerCallContext context) =>
        OnControllerAsync(c => c.UnregisterBroker(request.BrokerId),
            reply => new UnregisterBrokerResponse { Error = ErrorOf(reply, reply == ErrorCode.BrokerIdNotRegistered ? $"Broker {request.BrokerId} is not registered." : null) },
            (client, options) => client.UnregisterBrokerAsync(request, options),
            error => new UnregisterBrokerResponse { Error = error }, context);

    /// <summary>
    /// Runs a controller command on this node's controller. On another node the call is forwarded once to the
    /// active controller's admin service (marked with <see cref="ForwardedFromHeader"/>, so it is never forwarded
    /// again); NOT_CONTROLLER, with the controller id this node knows, remains only when no controller is known,
    /// the call already arrived forwarded, or the controller could not be reached.
    /// </summary>
    private async Task<TResponse> OnControllerAsync<T, TResponse>(
        Func<QuorumController, ControllerResult<T>> command,
        Func<T, TResponse> respond,
        Func<AdminService.AdminServiceClient, CallOptions, AsyncUnaryCall<TResponse>> forward,
        Func<Error, TResponse> fail,
        ServerCallContext context)
    {
        int controllerId;
        try
        {
            return respond(await controller.SubmitAsync(command).ConfigureAwait(false));
        }
        catch (NotControllerException e)
        {
            controllerId = e.ControllerId >= 0 ? e.ControllerId : quorum.LeaderNodeId;
        }

        var forwarded = context.RequestHeaders.Get(ForwardedFromHeader) is not null;
        if (!forwarded && controllerId >= 0 && controllerId != quorum.NodeId && channels.AdminClientFor(controllerId) is { } client)
        {
            var headers = new Grpc.Core.Metadata { { ForwardedFromHeader, quorum.NodeId.ToString(CultureInfo.InvariantCulture) } };
            try
            {
                return await forward(client, new CallOptions(headers, context.Deadline, context.CancellationToken)).ConfigureAwait(false);
            }
            catch (RpcException e) when (!context.CancellationToken.IsCancellationRequested)
            {
                AdminGrpcLog.ForwardFailed(logger, controllerId, e);
                return fail(NotController(controllerId, $"Forwarding to the active controller {controllerId} failed ({e.StatusCode}); retry."));
            }
        }
        return fail(NotController(controllerId, $"Node {quorum.NodeId} is not the active controller; retry on node {controllerId}."));
    }

    private static Error NotController(int controllerId, string message) =>
        new() { Code = (int)ErrorCode.NotController, Message = message, ControllerId = controllerId };

    /// <summary>Runs a Kafka request through this node's handler for it (which runs it on, or forwards it to, the controller).</summary>
    private Task<TResponse> KafkaAsync<TResponse>(IRequestMessage request, short version, ServerCallContext call)
        where TResponse : class, IResponseMessage =>
        KafkaAsync<TResponse>(handlers, request, version, call.CancellationToken);

    /// <summary>Runs a Kafka request through <paramref name="handlers"/>' handler for it, as an admin call does (also for <see cref="BalanceExecutor"/>).</summary>
    internal static async Task<TResponse> KafkaAsync<TResponse>(ApiHandlerRegistry handlers, IRequestMessage request, short version, CancellationToken cancel)
        where TResponse : class, IResponseMessage
    {
        var handler = handlers.Find(request.ApiKey) ?? throw new InvalidOperationException($"no handler for API {request.ApiKey}");
        var context = new RequestContext(AdminConnectionId, null, version, 0, "fjord-admin-grpc", cancel);
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

    private static partial class AdminGrpcLog
    {
        [LoggerMessage(EventId = 6050, Level = LogLevel.Warning, Message = "Forwarding an admin call to the active controller {ControllerId} failed")]
        public static partial void ForwardFailed(ILogger logger, int controllerId, Exception exception);
    }
}
