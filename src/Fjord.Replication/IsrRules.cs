namespace Fjord.Replication;

/// <summary>
/// The leader's decisions for one partition in one leader epoch (Kafka's Partition.maybeIncrementLeaderHW,
/// maybeExpandIsr and getOutOfSyncReplicas), as pure functions of follower positions, offsets and time. The broker's
/// leader state and the replication simulator both decide with these, so what the simulator checks is what runs.
/// Stateless; safe on any thread.
/// </summary>
public static class IsrRules
{
    /// <summary>
    /// The high watermark the maximal ISR (the committed ISR plus a pending expansion) allows: the minimum log end
    /// offset over it, <paramref name="leaderLogEndOffset"/> being the leader's own; null when a member has not fetched
    /// yet in this epoch or the minimum is below <paramref name="epochStartOffset"/> (a leader commits only in its own
    /// epoch). The caller advances its high watermark only when the candidate is above it, so it never goes back.
    /// </summary>
    public static long? CandidateHighWatermark(int leaderId, long leaderLogEndOffset, long epochStartOffset,
        ReadOnlySpan<int> maximalIsr, IReadOnlyDictionary<int, FollowerFetchState> followers)
    {
        var candidate = leaderLogEndOffset;
        foreach (var member in maximalIsr)
        {
            if (member == leaderId) continue;
            if (!followers.TryGetValue(member, out var follower) || follower.LogEndOffset < 0) return null;
            candidate = Math.Min(candidate, follower.LogEndOffset);
        }
        return candidate >= epochStartOffset ? candidate : null;
    }

    /// <summary>
    /// Kafka's isFollowerInSync for an expansion: a follower may join the ISR once its log end offset reaches the high
    /// watermark (it has everything committed) and the leader's epoch start offset (it has truncated to this leader's
    /// history), and its broker is eligible (unfenced, not shutting down: KIP-841).
    /// </summary>
    public static bool MayJoinIsr(long followerLogEndOffset, long highWatermark, long epochStartOffset, bool isEligible) =>
        isEligible && followerLogEndOffset >= highWatermark && followerLogEndOffset >= epochStartOffset;

    /// <summary>
    /// Kafka's getOutOfSyncReplicas for one ISR member: the leader is always in sync; a follower is when
    /// <see cref="FollowerFetchState.IsCaughtUp"/> says so within <paramref name="replicaLagTimeMax"/>.
    /// </summary>
    public static bool IsInSync(int member, int leaderId, long leaderLogEndOffset, IReadOnlyDictionary<int, FollowerFetchState> followers,
        long now, TimeSpan replicaLagTimeMax, TimeProvider time) =>
        member == leaderId || (followers.TryGetValue(member, out var follower) && follower.IsCaughtUp(leaderLogEndOffset, now, replicaLagTimeMax, time));
}
