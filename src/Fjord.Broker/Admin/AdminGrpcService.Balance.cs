using System.Globalization;
using Fjord.Broker.Balancing;
using Fjord.Metadata.Balancing;
using Fjord.Protocol.Errors;
using Fjord.Rpc.Admin;
using Grpc.Core;

namespace Fjord.Broker.Admin;

// Built-in balancing (issue 16): ProposeBalance plans on this node; ExecuteBalance and DescribeBalance run on the
// active controller's node, where the execution's progress lives, and are forwarded there once from any other node.
public sealed partial class AdminGrpcService
{
    public override async Task<ProposeBalanceResponse> ProposeBalance(BalanceRequest request, ServerCallContext context)
    {
        var (error, message, plan) = await balancer.ProposeAsync(request, context.CancellationToken).ConfigureAwait(false);
        return plan is null
            ? new ProposeBalanceResponse { Error = ErrorOf(error, message) }
            : new ProposeBalanceResponse { Error = new Error(), Proposal = ToProto(plan) };
    }

    public override Task<ExecuteBalanceResponse> ExecuteBalance(BalanceRequest request, ServerCallContext context) =>
        OnControllerNodeAsync(() => balancer.ExecuteAsync(request, context.CancellationToken),
            (client, options) => client.ExecuteBalanceAsync(request, options),
            error => new ExecuteBalanceResponse { Error = error }, context);

    public override Task<DescribeBalanceResponse> DescribeBalance(DescribeBalanceRequest request, ServerCallContext context) =>
        OnControllerNodeAsync(() => Task.FromResult(balancer.Describe()),
            (client, options) => client.DescribeBalanceAsync(request, options),
            error => new DescribeBalanceResponse { Error = error }, context);

    public override Task<DescribeReplicaSizesResponse> DescribeReplicaSizes(DescribeReplicaSizesRequest request, ServerCallContext context) =>
        balancer.LocalReplicaSizesAsync(context.CancellationToken);

    /// <summary>
    /// Runs <paramref name="local"/> when this node is the active controller's; otherwise forwards the call there once
    /// (like <see cref="OnControllerAsync"/>), or answers NOT_CONTROLLER when that is impossible.
    /// </summary>
    private async Task<TResponse> OnControllerNodeAsync<TResponse>(
        Func<Task<TResponse>> local,
        Func<AdminService.AdminServiceClient, CallOptions, AsyncUnaryCall<TResponse>> forward,
        Func<Error, TResponse> fail,
        ServerCallContext context)
    {
        var controllerId = quorum.LeaderNodeId;
        if (controllerId == quorum.NodeId) return await local().ConfigureAwait(false);
        var forwarded = context.RequestHeaders.Get(ForwardedFromHeader) is not null;
        if (!forwarded && controllerId >= 0 && channels.AdminClientFor(controllerId) is { } client)
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

    /// <summary>The admin.proto form of a plan.</summary>
    internal static BalanceProposal ToProto(BalancePlan plan)
    {
        var proposal = new BalanceProposal { BytesToMove = plan.BytesToMove, ReplicaMoves = plan.ReplicaMoves };
        foreach (var m in plan.Moves)
        {
            var move = new BalanceMove { Topic = m.Topic, Partition = m.Partition, SizeBytes = m.SizeBytes, BytesMoved = m.BytesMoved };
            move.Replicas.AddRange(m.Replicas);
            move.TargetReplicas.AddRange(m.TargetReplicas);
            proposal.Moves.Add(move);
        }
        proposal.Before.AddRange(plan.Before.Select(ToProto));
        proposal.After.AddRange(plan.After.Select(ToProto));
        proposal.Unplaceable.AddRange(plan.Unplaceable.Select(u => new Rpc.Admin.UnplaceableReplica { Topic = u.Topic, Partition = u.Partition, BrokerId = u.BrokerId }));
        return proposal;
    }

    private static BrokerBalance ToProto(BrokerLoad load)
    {
        var broker = new BrokerBalance { BrokerId = load.BrokerId, Replicas = load.Replicas, Leaders = load.Leaders, Bytes = load.Bytes, Draining = load.Draining };
        if (load.Rack is not null) broker.Rack = load.Rack;
        return broker;
    }
}
