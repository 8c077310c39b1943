namespace Fjord.Raft;

/// <summary>
/// The state a node must have on stable storage before it answers anyone (Raft paper Figure 2:
/// currentTerm, votedFor; plus commit, so restarts do not re-apply from scratch).
/// Immutable value; safe on any thread.
/// </summary>
public readonly record struct HardState(ulong Term, ulong Vote, ulong Commit)
{
    /// <summary>The state of a node that never ran.</summary>
    public static readonly HardState Empty = default;

    /// <summary>True when nothing was ever persisted.</summary>
    public bool IsEmpty => Term == 0 && Vote == 0 && Commit == 0;

    /// <inheritdoc/>
    public override string ToString() => $"Term:{Term} Vote:{Vote} Commit:{Commit}";
}
