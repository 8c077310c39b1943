namespace Fjord.Raft;

/// <summary>The single-server membership changes the core supports (Raft dissertation §4.1).</summary>
public enum ConfChangeType : byte
{
    AddVoter = 0,
    RemoveVoter = 1,
    AddLearner = 2,
    RemoveLearner = 3,
    PromoteLearner = 4,

    /// <summary>
    /// A voter becomes a learner: it stops voting and counting for commit but keeps replicating, as KIP-853's
    /// RemoveRaftVoter leaves the replica an observer that still fetches the log.
    /// </summary>
    DemoteVoter = 5,
}
