namespace Fjord.Raft;

/// <summary>
/// Settings of one <see cref="RaftNode"/>. Immutable after construction; read only by the node's loop.
/// Timeouts are counted in ticks: the driver decides how long a tick is.
/// </summary>
public sealed class RaftConfig
{
    /// <summary>This node's id; never 0 (0 means "none").</summary>
    public required ulong Id { get; init; }

    /// <summary>
    /// Source of the randomized election timeout (§5.2). Injected so that a seeded simulator replays exactly.
    /// </summary>
    public required Random Random { get; init; }

    /// <summary>Ticks without hearing from a leader before campaigning; randomized in [n, 2n).</summary>
    public int ElectionTick { get; init; } = 10;

    /// <summary>Ticks between leader heartbeats; must be well below <see cref="ElectionTick"/>.</summary>
    public int HeartbeatTick { get; init; } = 1;

    /// <summary>Poll with pre-vote before bumping the term, so a rejoining node cannot disrupt (dissertation §9.6).</summary>
    public bool PreVote { get; init; } = true;

    /// <summary>Leader steps down when a quorum is silent for an election timeout (dissertation §6.2).</summary>
    public bool CheckQuorum { get; init; } = true;

    /// <summary>Append messages in flight per follower in Replicate state.</summary>
    public int MaxInflightMessages { get; init; } = 256;

    /// <summary>Entries per append message.</summary>
    public int MaxEntriesPerMessage { get; init; } = 1024;

    /// <summary>Soft byte limit per append message (at least one entry is always sent).</summary>
    public long MaxBytesPerMessage { get; init; } = 1 << 20;

    /// <summary>Bytes of snapshot data per InstallSnapshot chunk.</summary>
    public int SnapshotChunkBytes { get; init; } = 1 << 20;

    /// <summary>Committed entries handed out per Ready.</summary>
    public int MaxCommittedEntriesPerReady { get; init; } = 4096;

    /// <summary>The highest index the application had applied before a restart (0: from the snapshot).</summary>
    public ulong Applied { get; init; }

    /// <summary>
    /// Test-only mutation (set through InternalsVisibleTo, never from configuration): drops the current-term check of
    /// the commit rule (§5.4.2, Figure 8), so a leader commits earlier terms' entries by counting replicas. The
    /// simulator and figure8.txt must catch it; the planted-bug tests prove they still do.
    /// </summary>
    internal bool PlantFigure8CommitBug { get; init; }

    internal void Validate()
    {
        if (Id == 0) throw new ArgumentException("node id 0 is reserved for 'none'");
        if (HeartbeatTick <= 0) throw new ArgumentException("HeartbeatTick must be positive");
        if (ElectionTick <= HeartbeatTick) throw new ArgumentException("ElectionTick must exceed HeartbeatTick");
        if (MaxInflightMessages <= 0 || MaxEntriesPerMessage <= 0 || SnapshotChunkBytes <= 0)
            throw new ArgumentException("limits must be positive");
    }
}
