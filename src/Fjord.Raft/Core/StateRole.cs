namespace Fjord.Raft;

/// <summary>The role a node plays in its current term.</summary>
public enum StateRole : byte
{
    Follower = 0,
    /// <summary>Polling with pre-vote before bumping the term (dissertation §9.6).</summary>
    PreCandidate = 1,
    Candidate = 2,
    Leader = 3,
}
