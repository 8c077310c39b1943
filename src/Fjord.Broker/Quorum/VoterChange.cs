using Fjord.Protocol.Errors;
using Fjord.Raft;

namespace Fjord.Broker.Quorum;

/// <summary>
/// KIP-853's AddRaftVoter / RemoveRaftVoter as a pure decision over the Raft leader's state: either the one
/// <see cref="ConfChange"/> to propose, or the Kafka error to answer. Adding promotes a learner (a KRaft observer)
/// that has caught up with the leader; removing demotes a voter to a learner, so the node keeps following the
/// metadata log as every broker must. One change at a time (Raft dissertation §4.1): while one is uncommitted, or
/// before a new leader committed in its term, the answer is REQUEST_TIMED_OUT, as Kafka answers, so callers retry.
/// Immutable; safe on any thread; <see cref="Decide"/> is called on the Raft loop with the node's current state.
/// </summary>
public sealed record VoterChange(ErrorCode Error, string? Message, ConfChange? Proposal)
{
    /// <summary>
    /// How many entries a learner may trail the leader's commit index and still be promoted. Kafka promotes an observer
    /// that has fetched up to the high watermark; a little slack keeps a busy cluster from refusing forever, and the
    /// rest is replicated to the new voter right after (a slow new voter costs availability only until it catches up).
    /// </summary>
    public const ulong MaxCatchUpLag = 100;

    /// <summary>Whether the request adds or removes <see cref="NodeId"/>.</summary>
    public enum Kind
    {
        Add,
        Remove,
    }

    /// <summary>The decision for <paramref name="kind"/> of <paramref name="nodeId"/> given the node's Raft state.</summary>
    public static VoterChange Decide(Kind kind, int nodeId, StateRole role, ConfState membership, bool changePending,
        ulong commitIndex, IReadOnlyDictionary<ulong, ulong> matchIndexes)
    {
        if (role != StateRole.Leader)
            return Refuse(ErrorCode.NotLeaderOrFollower, "this node is not the metadata quorum leader");
        if (nodeId < 0) return Refuse(ErrorCode.InvalidRequest, $"{nodeId} is not a node id");
        var raftId = ClusterVoters.RaftId(nodeId);
        if (kind == Kind.Add)
        {
            if (membership.IsVoter(raftId)) return Refuse(ErrorCode.DuplicateVoter, $"node {nodeId} is already a voter");
            if (!membership.IsLearner(raftId))
                return Refuse(ErrorCode.RequestTimedOut, $"node {nodeId} is not an observer of the metadata quorum yet: start it (it joins as a learner), then retry");
        }
        else
        {
            if (!membership.IsVoter(raftId)) return Refuse(ErrorCode.VoterNotFound, $"node {nodeId} is not a voter");
            if (membership.Voters.Count == 1) return Refuse(ErrorCode.InvalidRequest, $"node {nodeId} is the last voter");
        }
        if (changePending)
            return Refuse(ErrorCode.RequestTimedOut, "another voter change is uncommitted (or the leader is new); retry");
        if (kind == Kind.Add)
        {
            var match = matchIndexes.TryGetValue(raftId, out var m) ? m : 0;
            if (match + MaxCatchUpLag < commitIndex)
                return Refuse(ErrorCode.RequestTimedOut, $"node {nodeId} has replicated up to {match} of {commitIndex}; retry once it caught up");
        }
        var type = kind == Kind.Add ? ConfChangeType.PromoteLearner : ConfChangeType.DemoteVoter;
        return new VoterChange(ErrorCode.None, null, new ConfChange(type, raftId));
    }

    /// <summary>True when <paramref name="membership"/> shows the change done.</summary>
    public static bool IsDone(Kind kind, int nodeId, ConfState membership) =>
        membership.IsVoter(ClusterVoters.RaftId(nodeId)) == (kind == Kind.Add);

    private static VoterChange Refuse(ErrorCode error, string message) => new(error, message, null);
}
