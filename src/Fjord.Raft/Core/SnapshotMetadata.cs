namespace Fjord.Raft;

/// <summary>
/// Where a snapshot sits in the log and the membership at that point (Raft paper §7: last included
/// index and term, plus the configuration). Immutable; safe on any thread.
/// </summary>
public sealed record SnapshotMetadata(ulong Index, ulong Term, ConfState ConfState)
{
    /// <summary>The position before any entry, with no members.</summary>
    public static readonly SnapshotMetadata Empty = new(0, 0, ConfState.Empty);
}
