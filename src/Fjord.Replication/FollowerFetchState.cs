namespace Fjord.Replication;

/// <summary>
/// The leader's record of one follower's fetches in one leader epoch (Kafka's <c>Replica.updateFetchState</c>
/// and <c>ReplicaState</c>): its log end offset (the offset it last fetched from), its log start offset and the
/// last time it was caught up. A fetch catches the follower up when its offset reaches the leader's log end offset now, or the
/// leader's log end offset at the previous fetch (then it was caught up at that previous fetch's time), so a
/// follower that keeps pace with a busy leader is never "behind" just because a produce landed between fetches.
/// Timestamps are <see cref="TimeProvider.GetTimestamp"/> values of the owning state's clock.
/// Not thread-safe: owned by the broker's leader state (or the simulator) and touched only under its lock.
/// </summary>
public sealed class FollowerFetchState
{
    private long _lastFetchLeaderLogEndOffset = -1;
    private long _lastFetchTimestamp;
    private bool _hasFetched;

    /// <summary>
    /// A follower as a new leader epoch starts (Kafka's resetReplicaState): an ISR member counts as caught up
    /// at <paramref name="now"/>, so it has a full <c>replica.lag.time.max.ms</c> to fetch before it is
    /// shrunk out; any other replica has never been caught up.
    /// </summary>
    public FollowerFetchState(bool inIsr, long now)
    {
        HasCaughtUp = inIsr;
        LastCaughtUpTimestamp = inIsr ? now : 0;
    }

    /// <summary>The offset of the follower's last fetch (its log end offset); -1 before its first fetch in this epoch.</summary>
    public long LogEndOffset { get; private set; } = -1;

    /// <summary>
    /// The log start offset the follower sent with its last fetch (Kafka's ReplicaState.logStartOffset); -1 while unknown.
    /// A consumer is sent to this follower only for offsets at or after it (KIP-392).
    /// </summary>
    public long LogStartOffset { get; set; } = -1;

    /// <summary>The high watermark the leader last answered this follower's fetch with; -1 before the first answer.</summary>
    public long HighWatermarkSent { get; set; } = -1;

    /// <summary>When the follower was last caught up with the leader; meaningful only when <see cref="HasCaughtUp"/>.</summary>
    public long LastCaughtUpTimestamp { get; private set; }

    /// <summary>False for a replica that has not been caught up once in this epoch.</summary>
    public bool HasCaughtUp { get; private set; }

    /// <summary>Takes a fetch at <paramref name="fetchOffset"/> that the leader served with <paramref name="leaderLogEndOffset"/> at <paramref name="now"/>.</summary>
    public void UpdateFetchState(long fetchOffset, long leaderLogEndOffset, long now)
    {
        if (fetchOffset >= leaderLogEndOffset) MarkCaughtUp(now);
        else if (_hasFetched && fetchOffset >= _lastFetchLeaderLogEndOffset) MarkCaughtUp(_lastFetchTimestamp);
        LogEndOffset = fetchOffset;
        _lastFetchLeaderLogEndOffset = leaderLogEndOffset;
        _lastFetchTimestamp = now;
        _hasFetched = true;
    }

    /// <summary>
    /// Kafka's <c>isCaughtUp</c>: at the leader's log end offset, or caught up within <paramref name="maxLag"/>
    /// (<c>replica.lag.time.max.ms</c>) before <paramref name="now"/>.
    /// </summary>
    public bool IsCaughtUp(long leaderLogEndOffset, long now, TimeSpan maxLag, TimeProvider time) =>
        LogEndOffset == leaderLogEndOffset || (HasCaughtUp && time.GetElapsedTime(LastCaughtUpTimestamp, now) <= maxLag);

    private void MarkCaughtUp(long at)
    {
        LastCaughtUpTimestamp = HasCaughtUp ? Math.Max(LastCaughtUpTimestamp, at) : at;
        HasCaughtUp = true;
    }
}
