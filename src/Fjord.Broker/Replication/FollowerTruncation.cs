using Fjord.Storage;

namespace Fjord.Broker.Replication;

/// <summary>
/// Where a follower truncates, as Kafka's AbstractFetcherThread decides it (getOffsetTruncationState and
/// fetchOffsetAndTruncate): pure functions of the follower's own epoch lookup and what the leader answered,
/// so the rules are unit-tested apart from the fetch loop. Stateless; thread-safe.
/// </summary>
public static class FollowerTruncation
{
    /// <summary>
    /// KIP-595 DivergingEpoch: the leader's log agrees with ours only up to <paramref name="leaderEndOffset"/>
    /// of <paramref name="leaderEpoch"/>; (<paramref name="localEpoch"/>, <paramref name="localEndOffset"/>) is
    /// our own <see cref="LeaderEpochCache.EndOffsetFor"/> of that epoch. When we know the epoch too, the
    /// smaller of the two end offsets; when our largest epoch at or below it is older, our end of that older
    /// epoch (the next fetch, with it as LastFetchedEpoch, lets the leader check again); when we hold no
    /// epoch at or below it, the leader's end offset. Never past <paramref name="logEndOffset"/>.
    /// </summary>
    public static long ForDivergingEpoch(int leaderEpoch, long leaderEndOffset, int localEpoch, long localEndOffset, long logEndOffset)
    {
        if (localEpoch == LeaderEpochCache.UndefinedEpoch)
            return Math.Min(leaderEndOffset, logEndOffset);
        if (localEpoch != leaderEpoch)
            return Math.Min(localEndOffset, logEndOffset);
        return Math.Min(Math.Min(localEndOffset, leaderEndOffset), logEndOffset);
    }

    /// <summary>
    /// OFFSET_OUT_OF_RANGE: below the leader's log start offset the whole log restarts there
    /// (<see cref="OutOfRangeAction.TruncateFullyAndStartAt"/>); above the leader's log, truncation to the
    /// leader's high watermark, which every in-sync replica holds identically (Kafka truncates to the
    /// leader's log end offset, which a Fjord leader does not send; the high watermark is never above it).
    /// Otherwise, or when the leader sent no offsets (-1), nothing is safe to cut: retry.
    /// </summary>
    public static (OutOfRangeAction Action, long Offset) ForOutOfRange(long logEndOffset, long leaderLogStartOffset, long leaderHighWatermark)
    {
        if (leaderLogStartOffset > logEndOffset)
            return (OutOfRangeAction.TruncateFullyAndStartAt, leaderLogStartOffset);
        if (leaderHighWatermark >= 0 && leaderHighWatermark < logEndOffset)
            return (OutOfRangeAction.TruncateTo, leaderHighWatermark);
        return (OutOfRangeAction.Retry, logEndOffset);
    }
}

/// <summary>What a follower does about an OFFSET_OUT_OF_RANGE fetch answer.</summary>
public enum OutOfRangeAction
{
    Retry,
    TruncateTo,
    TruncateFullyAndStartAt,
}
