using Fjord.Broker.Controller;
using Fjord.Broker.Hosting;
using Fjord.Broker.Quorum;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// RemoveRaftVoter, version 0 (KIP-853; <c>kafka-metadata-quorum remove-controller</c>): takes a node out of the voters of
/// the metadata quorum by demoting it to a learner, which keeps following the log as an observer (<see cref="VoterChange"/>),
/// on the Raft leader. Removing the leader itself is allowed: it leads until the change commits, then steps down and
/// the remaining voters elect a leader.
/// - VOTER_NOT_FOUND for a node that is not a voter; INVALID_REQUEST for the last voter; REQUEST_TIMED_OUT (retriable)
///   while another voter change is uncommitted or when the change did not commit in time; INCONSISTENT_CLUSTER_ID for
///   another cluster's id; NOT_LEADER_OR_FOLLOWER when no leader is reachable.
/// - VoterDirectoryId is not checked: Fjord has no KIP-853 directory ids.
/// </summary>
public sealed class RemoveRaftVoterHandler(MetadataQuorum quorum, QuorumVoterChanges changes, ControllerForwarder forwarder, ClusterIdentity identity)
    : RaftVoterChangeHandler<RemoveRaftVoterRequest, RemoveRaftVoterResponse>(quorum, changes, forwarder, identity)
{
    public override ApiKey ApiKey => ApiKey.RemoveRaftVoter;

    protected override VoterChange.Kind Kind => VoterChange.Kind.Remove;

    protected override string? ClusterIdOf(RemoveRaftVoterRequest request) => request.ClusterId;

    protected override int VoterIdOf(RemoveRaftVoterRequest request) => request.VoterId;

    protected override RemoveRaftVoterResponse Respond(ErrorCode error, string? message) => new() { ErrorCode = (short)error, ErrorMessage = message };
}
