namespace Fjord.Raft;

/// <summary>
/// A snapshot of a node's volatile state for monitoring, and its membership as of the commit index (how a
/// learner knows it has been added). Immutable.
/// </summary>
public sealed record RaftStatus(ulong Id, ulong LeaderId, ulong Term, StateRole Role, ulong CommitIndex, ulong AppliedIndex, ConfState Membership);
