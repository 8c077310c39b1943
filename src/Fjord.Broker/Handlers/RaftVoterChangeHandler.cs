using Fjord.Broker.Controller;
using Fjord.Broker.Hosting;
using Fjord.Broker.Network;
using Fjord.Broker.Quorum;
using Fjord.Protocol;
using Fjord.Protocol.Errors;

namespace Fjord.Broker.Handlers;

/// <summary>
/// What AddRaftVoter and RemoveRaftVoter share (KIP-853): the cluster id check, forwarding to the Raft leader
/// (KIP-590; NOT_LEADER_OR_FOLLOWER when none is reachable), and running the <see cref="VoterChange"/> there.
/// Singleton; thread-safe.
/// </summary>
public abstract class RaftVoterChangeHandler<TRequest, TResponse>(
    MetadataQuorum quorum, QuorumVoterChanges changes, ControllerForwarder forwarder, ClusterIdentity identity)
    : ApiHandler<TRequest, TResponse>
    where TRequest : class, IRequestMessage
    where TResponse : class, IResponseMessage, new()
{
    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    protected abstract VoterChange.Kind Kind { get; }

    protected abstract string? ClusterIdOf(TRequest request);

    protected abstract int VoterIdOf(TRequest request);

    protected abstract TResponse Respond(ErrorCode error, string? message);

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, TRequest request)
    {
        if (ClusterIdOf(request) is { } clusterId && clusterId != identity.ClusterId)
            return Respond(ErrorCode.InconsistentClusterId, $"this is cluster {identity.ClusterId}, not {clusterId}");
        if (quorum.Driver.Status.Role != Raft.StateRole.Leader)
            return await forwarder.ForwardAsync<TResponse>(context, request).ConfigureAwait(false)
                ?? Respond(ErrorCode.NotLeaderOrFollower, $"Node {quorum.NodeId} is not the metadata quorum leader");
        var (error, message) = await changes.ChangeAsync(Kind, VoterIdOf(request), context.ConnectionClosed).ConfigureAwait(false);
        return Respond(error, message);
    }

    protected override TResponse ErrorResponse(TRequest request, ErrorCode error) => Respond(error, null);
}
