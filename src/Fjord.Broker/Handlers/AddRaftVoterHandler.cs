using Fjord.Broker.Controller;
using Fjord.Broker.Hosting;
using Fjord.Broker.Quorum;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// AddRaftVoter, version 0 (KIP-853; <c>kafka-metadata-quorum add-controller</c>): makes a node a voter of the metadata
/// quorum by promoting it from learner (observer) once it has caught up (<see cref="VoterChange"/>), on the Raft leader.
/// - DUPLICATE_VOTER for a voter; REQUEST_TIMED_OUT (retriable) while the node is not a caught-up learner yet, while
///   another voter change is uncommitted, or when the change did not commit in time; INCONSISTENT_CLUSTER_ID for another
///   cluster's id; NOT_LEADER_OR_FOLLOWER when no leader is reachable.
/// - VoterDirectoryId is not checked (Fjord has no KIP-853 directory ids) and Listeners are not used: the leader dials
///   the node at the rpc address it registered when it joined as a learner, which every member knows from the log.
/// </summary>
public sealed class AddRaftVoterHandler(MetadataQuorum quorum, QuorumVoterChanges changes, ControllerForwarder forwarder, ClusterIdentity identity)
    : RaftVoterChangeHandler<AddRaftVoterRequest, AddRaftVoterResponse>(quorum, changes, forwarder, identity)
{
    public override ApiKey ApiKey => ApiKey.AddRaftVoter;

    protected override VoterChange.Kind Kind => VoterChange.Kind.Add;

    protected override string? ClusterIdOf(AddRaftVoterRequest request) => request.ClusterId;

    protected override int VoterIdOf(AddRaftVoterRequest request) => request.VoterId;

    protected override AddRaftVoterResponse Respond(ErrorCode error, string? message) => new() { ErrorCode = (short)error, ErrorMessage = message };
}
