namespace Fjord.Raft;

/// <summary>
/// The stable raft log, hard state and latest snapshot of one node. The core only reads it (terms,
/// entries, the snapshot to send); the application writes it from each <see cref="Ready"/> before
/// calling <see cref="RaftNode.Advance"/>. Implementations are called from the node's single loop and
/// need not be thread-safe.
/// </summary>
public interface IRaftStorage
{
    /// <summary>The persisted term, vote and commit.</summary>
    HardState HardState { get; }

    /// <summary>Index, term and membership of the latest snapshot (index 0 when none).</summary>
    SnapshotMetadata SnapshotMetadata { get; }

    /// <summary>Index of the first entry still held (snapshot index + 1).</summary>
    ulong FirstIndex { get; }

    /// <summary>Index of the last entry held, or the snapshot index when the log is empty.</summary>
    ulong LastIndex { get; }

    /// <summary>Term of the entry at <paramref name="index"/>, for index in [FirstIndex-1, LastIndex].</summary>
    bool TryGetTerm(ulong index, out ulong term);

    /// <summary>
    /// Appends entries in [lo, hi) to <paramref name="into"/>, stopping after <paramref name="maxCount"/>
    /// entries or once <paramref name="maxBytes"/> is exceeded (at least one entry is returned).
    /// Returns false when lo was compacted away.
    /// </summary>
    bool TryGetEntries(ulong lo, ulong hi, int maxCount, long maxBytes, List<Entry> into);

    /// <summary>The latest snapshot with its data (what a lagging follower gets).</summary>
    Snapshot Snapshot { get; }

    /// <summary>
    /// Persists one Ready: the snapshot first, then entries (truncating any conflicting suffix),
    /// then the hard state. When <paramref name="sync"/> is true everything is durable on return.
    /// </summary>
    void Save(HardState? hardState, Snapshot? snapshot, IReadOnlyList<Entry> entries, bool sync);

    /// <summary>Records a snapshot the application took at <paramref name="index"/> (≤ applied).</summary>
    void CreateSnapshot(ulong index, ConfState confState, ReadOnlyMemory<byte> data);

    /// <summary>Drops entries up to and including <paramref name="index"/> (≤ the latest snapshot index).</summary>
    void Compact(ulong index);
}
