namespace Fjord.Raft;

/// <summary>The single-server membership changes the core supports (Raft dissertation §4.1).</summary>
public enum ConfChangeType : byte
{
    AddVoter = 0,
    RemoveVoter = 1,
    AddLearner = 2,
    RemoveLearner = 3,
    PromoteLearner = 4,
}
