namespace Fjord.Raft;

/// <summary>How a <see cref="RaftNodeDriver"/> runs its node. Immutable.</summary>
public sealed class RaftDriverOptions
{
    /// <summary>Wall-clock length of one raft tick.</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>fsync each Ready that must be durable. Turning it off trades safety for speed (benchmarks only).</summary>
    public bool Fsync { get; init; } = true;

    /// <summary>Take a snapshot and compact the log after this many applied entries (0: never).</summary>
    public int SnapshotEveryEntries { get; init; } = 10_000;

    /// <summary>Entries kept behind a snapshot so slightly lagging followers need no snapshot.</summary>
    public int EntriesKeptAfterSnapshot { get; init; } = 1_000;

    /// <summary>Told the append and commit latency of every proposal this node makes as leader (null: nobody).</summary>
    public IRaftProposalObserver? ProposalObserver { get; init; }
}
