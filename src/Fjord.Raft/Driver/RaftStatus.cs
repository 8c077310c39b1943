namespace Fjord.Raft;

/// <summary>A snapshot of a node's volatile state for monitoring. Immutable.</summary>
public sealed record RaftStatus(ulong Id, ulong LeaderId, ulong Term, StateRole Role, ulong CommitIndex, ulong AppliedIndex);
