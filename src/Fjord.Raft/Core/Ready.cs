namespace Fjord.Raft;

/// <summary>
/// Work the application must do for a <see cref="RaftNode"/>, in this order (etcd's contract):
/// <list type="number">
/// <item>persist <see cref="Snapshot"/>, then <see cref="Entries"/>, then <see cref="HardState"/>
/// (fsync when <see cref="MustSync"/>) — before any message leaves, because messages promise them;</item>
/// <item>send <see cref="Messages"/>;</item>
/// <item>install <see cref="Snapshot"/> into the state machine, then apply <see cref="CommittedEntries"/>
/// (they may include entries from <see cref="Entries"/>, hence persisting first);</item>
/// <item>call <see cref="RaftNode.Advance"/> — and only then step the node again.</item>
/// </list>
/// Immutable once returned; may be handed to another thread while the node waits for Advance.
/// </summary>
public sealed class Ready
{
    /// <summary>Leader or role changed; null when not.</summary>
    public SoftState? SoftState { get; init; }

    /// <summary>New term, vote or commit to persist; null when unchanged.</summary>
    public HardState? HardState { get; init; }

    /// <summary>Entries to append to stable storage (truncating any conflicting suffix).</summary>
    public IReadOnlyList<Entry> Entries { get; init; } = [];

    /// <summary>A snapshot received from the leader: persist it and load it into the state machine.</summary>
    public Snapshot? Snapshot { get; init; }

    /// <summary>Committed entries to apply, in order.</summary>
    public IReadOnlyList<Entry> CommittedEntries { get; init; } = [];

    /// <summary>Messages to send once the above is persisted.</summary>
    public IReadOnlyList<Message> Messages { get; init; } = [];

    /// <summary>Completed ReadIndex requests.</summary>
    public IReadOnlyList<ReadState> ReadStates { get; init; } = [];

    /// <summary>True when the persisted part must be fsynced (term, vote, entries or snapshot changed).</summary>
    public bool MustSync { get; init; }
}
