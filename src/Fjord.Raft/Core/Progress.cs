namespace Fjord.Raft;

/// <summary>
/// The leader's view of one member (Raft paper Figure 2: nextIndex, matchIndex) plus flow control
/// and snapshot-transfer state. Not thread-safe; owned by the leader's <see cref="RaftNode"/>.
/// </summary>
internal sealed class Progress
{
    public Progress(ulong next, int maxInflight, bool isLearner)
    {
        Next = next;
        IsLearner = isLearner;
        Inflights = new Inflights(maxInflight);
    }

    public ulong Match { get; set; }
    public ulong Next { get; set; }
    public ProgressState State { get; private set; }
    public bool IsLearner { get; set; }

    /// <summary>In Probe: an append is outstanding, wait for its answer or a heartbeat response.</summary>
    public bool ProbeSent { get; set; }

    /// <summary>Heard from since the last check-quorum round (dissertation §6.2).</summary>
    public bool RecentActive { get; set; }

    public Inflights Inflights { get; }

    /// <summary>The snapshot being sent (State == Snapshot) and how far the follower has it.</summary>
    public Snapshot? PendingSnapshot { get; private set; }
    public long SnapshotOffset { get; set; }

    public bool IsPaused => State switch
    {
        ProgressState.Probe => ProbeSent,
        ProgressState.Replicate => Inflights.IsFull,
        _ => true,
    };

    public void BecomeProbe()
    {
        // After a snapshot the follower has at least the snapshot's index.
        Next = State == ProgressState.Snapshot && PendingSnapshot is { } s
            ? Math.Max(Match + 1, s.Metadata.Index + 1)
            : Match + 1;
        Reset(ProgressState.Probe);
    }

    public void BecomeReplicate()
    {
        Next = Match + 1;
        Reset(ProgressState.Replicate);
    }

    public void BecomeSnapshot(Snapshot snapshot)
    {
        Reset(ProgressState.Snapshot);
        PendingSnapshot = snapshot;
        SnapshotOffset = 0;
    }

    private void Reset(ProgressState state)
    {
        State = state;
        ProbeSent = false;
        PendingSnapshot = null;
        SnapshotOffset = 0;
        Inflights.Reset();
    }

    /// <summary>An acknowledgement up to <paramref name="index"/>; false when it tells nothing new.</summary>
    public bool MaybeUpdate(ulong index)
    {
        var updated = false;
        if (Match < index)
        {
            Match = index;
            updated = true;
            ProbeSent = false;
        }
        Next = Math.Max(Next, index + 1);
        return updated;
    }

    /// <summary>
    /// A rejection of an append after <paramref name="rejected"/>; <paramref name="matchHint"/> is where
    /// the follower's log may match. Returns false for stale (out-of-order) rejections.
    /// </summary>
    public bool MaybeDecrTo(ulong rejected, ulong matchHint)
    {
        if (State == ProgressState.Replicate)
        {
            if (rejected <= Match) return false;
            Next = Match + 1;
            return true;
        }
        if (Next - 1 != rejected) return false;
        Next = Math.Max(Math.Min(rejected, matchHint + 1), Match + 1);
        ProbeSent = false;
        return true;
    }

    public override string ToString() =>
        $"{State} match={Match} next={Next}" + (IsLearner ? " learner" : "") + (IsPaused ? " paused" : "") +
        (State == ProgressState.Replicate ? $" inflight={Inflights.Count}" : "") +
        (PendingSnapshot is { } s ? $" pendingSnap={s.Metadata.Index}@{SnapshotOffset}" : "");
}
