namespace Fjord.Raft;

/// <summary>
/// A message between raft nodes, or a local input to <see cref="RaftNode.Step"/>. Immutable once
/// sent; safe to hand to another thread. Field use depends on <see cref="Type"/>, as in etcd's raftpb:
/// for Append, (<see cref="LogTerm"/>, <see cref="Index"/>) is the entry before <see cref="Entries"/>;
/// for votes it is the candidate's last entry; for responses <see cref="Index"/> is the follower's
/// position and a rejection carries a hint (<see cref="RejectHint"/>, <see cref="LogTerm"/>).
/// </summary>
public sealed record Message
{
    public MessageType Type { get; init; }
    public ulong To { get; init; }
    public ulong From { get; init; }
    /// <summary>Sender's term; 0 for local messages.</summary>
    public ulong Term { get; init; }
    public ulong LogTerm { get; init; }
    public ulong Index { get; init; }
    public Entry[] Entries { get; init; } = [];
    public ulong Commit { get; init; }
    public bool Reject { get; init; }
    public ulong RejectHint { get; init; }
    /// <summary>Read-index request id, or <see cref="RaftNode.TransferContext"/> on a forced vote.</summary>
    public byte[]? Context { get; init; }
    public SnapshotChunk? Snapshot { get; init; }

    /// <summary>True for message types that never leave the node.</summary>
    public bool IsLocal => Type is MessageType.Hup or MessageType.Beat or MessageType.CheckQuorum;

    /// <inheritdoc/>
    public override string ToString()
    {
        var s = $"{From}->{To} {Type} Term:{Term} Log:{LogTerm}/{Index}";
        if (Commit != 0) s += $" Commit:{Commit}";
        if (Reject) s += $" Rejected (Hint: {RejectHint})";
        if (Entries.Length > 0) s += " Entries:[" + string.Join(", ", Entries) + "]";
        if (Snapshot is not null) s += $" {Snapshot}";
        if (Context is { Length: > 0 }) s += $" Context:{Convert.ToHexString(Context)}";
        return s;
    }
}
