using System.Collections.Immutable;
using Fjord.Metadata;
using Fjord.Protocol.Errors;
using Fjord.Replication;
using Fjord.Storage;

namespace Fjord.Broker.Replication;

/// <summary>
/// The leader's view of one replicated partition in one leader epoch (Kafka's Partition leader state): the
/// committed ISR and partition epoch (from the image or an accepted AlterPartition), each follower's
/// <see cref="FollowerFetchState"/>, the log end offset at the start of this epoch (below which this leader
/// does not advance the high watermark), and the one <see cref="IsrChange"/> in flight to the controller.
/// It decides ISR changes (KIP-497, KIP-841): a member not caught up within <c>replica.lag.time.max.ms</c> is
/// shrunk out; a replica whose log end offset reaches the high watermark and the epoch start offset and that
/// is an eligible broker is added. While a change is pending the high watermark is computed over the
/// "maximal ISR" (committed ISR plus pending additions), so it never counts on fewer replicas than the
/// controller may end up recording. Offsets are passed in (the caller reads the log); the decisions themselves are
/// <see cref="IsrRules"/> of Fjord.Replication, which the seeded replication simulation checks.
/// Thread-safe: every member is read and written under the instance lock.
/// </summary>
public sealed class LeaderPartitionState
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, FollowerFetchState> _followers = [];
    private readonly TimeSpan _replicaLagTimeMax;
    private readonly TimeProvider _time;
    private ImmutableArray<int> _isr;
    private ImmutableArray<int> _replicas;
    private int _partitionEpoch;
    private IsrChange? _pending;

    /// <summary>Becomes leader of <paramref name="partition"/> as <paramref name="registration"/> (which names <paramref name="leaderId"/>) says.</summary>
    public LeaderPartitionState(TopicPartition partition, Guid topicId, PartitionLog log, int leaderId, PartitionRegistration registration,
        long epochStartOffset, TimeSpan replicaLagTimeMax, TimeProvider time)
    {
        Partition = partition;
        TopicId = topicId;
        Log = log;
        LeaderId = leaderId;
        LeaderEpoch = registration.LeaderEpoch;
        EpochStartOffset = epochStartOffset;
        _replicaLagTimeMax = replicaLagTimeMax;
        _time = time;
        _isr = registration.Isr;
        _replicas = registration.Replicas;
        _partitionEpoch = registration.PartitionEpoch;
        AddFollowerStates(_time.GetTimestamp());
    }

    public TopicPartition Partition { get; }

    public Guid TopicId { get; }

    public PartitionLog Log { get; }

    /// <summary>This node's id.</summary>
    public int LeaderId { get; }

    public int LeaderEpoch { get; }

    /// <summary>The leader's log end offset when it took this epoch (Kafka's leaderEpochStartOffset).</summary>
    public long EpochStartOffset { get; }

    /// <summary>The committed ISR (what the controller last recorded).</summary>
    public ImmutableArray<int> Isr
    {
        get { lock (_lock) return _isr; }
    }

    /// <summary>The committed ISR plus the additions of a pending expansion: what the high watermark and acks=all count on.</summary>
    public ImmutableArray<int> MaximalIsr
    {
        get { lock (_lock) return MaximalIsrLocked(); }
    }

    public ImmutableArray<int> Replicas
    {
        get { lock (_lock) return _replicas; }
    }

    /// <summary>The partition epoch of the committed ISR; an AlterPartition must name it.</summary>
    public int PartitionEpoch
    {
        get { lock (_lock) return _partitionEpoch; }
    }

    /// <summary>The change in flight to the controller, if any.</summary>
    public IsrChange? PendingChange
    {
        get { lock (_lock) return _pending; }
    }

    /// <summary>
    /// Takes a newer image of the partition in this leader epoch: its ISR, replicas and partition epoch become
    /// the committed state and any pending change is dropped (the image answers it, or supersedes it). An image
    /// older than the committed state (an accepted AlterPartition got here first) is ignored.
    /// Returns whether members left and whether members joined the ISR.
    /// </summary>
    public (bool Shrunk, bool Expanded) ApplyRegistration(PartitionRegistration registration)
    {
        lock (_lock)
        {
            if (registration.PartitionEpoch <= _partitionEpoch) return (false, false);
            _pending = null;
            _replicas = registration.Replicas;
            foreach (var id in _followers.Keys.ToList())
                if (!_replicas.Contains(id)) _followers.Remove(id);
            AddFollowerStates(_time.GetTimestamp());
            return Commit(registration.Isr, registration.PartitionEpoch);
        }
    }

    /// <summary>
    /// Takes the controller's answer to <paramref name="change"/>. Accepted: the returned ISR and partition epoch
    /// become committed. FENCED_LEADER_EPOCH, INVALID_UPDATE_VERSION, NEW_LEADER_ELECTED, NOT_LEADER_OR_FOLLOWER
    /// and unknown-partition errors mean this state is stale: the change stays pending (no other change is tried)
    /// until the next image replaces the state. Any other error (INELIGIBLE_REPLICA, NOT_CONTROLLER, a stale
    /// broker epoch, a failed call) drops the change, so the next fetch or shrink check proposes again.
    /// An answer to a change that is no longer pending is ignored.
    /// </summary>
    public (bool Shrunk, bool Expanded) CompleteChange(IsrChange change, AlterPartitionResult result)
    {
        lock (_lock)
        {
            if (!ReferenceEquals(_pending, change)) return (false, false);
            switch (result.Error)
            {
                case ErrorCode.None:
                    _pending = null;
                    if (result.Leader != LeaderId || result.LeaderEpoch != LeaderEpoch || result.PartitionEpoch <= _partitionEpoch) return (false, false);
                    return Commit([.. result.Isr], result.PartitionEpoch);
                case ErrorCode.FencedLeaderEpoch or ErrorCode.InvalidUpdateVersion or ErrorCode.NewLeaderElected or ErrorCode.NotLeaderOrFollower
                    or ErrorCode.UnknownTopicOrPartition or ErrorCode.UnknownTopicId:
                    return (false, false);
                default:
                    _pending = null;
                    return (false, false);
            }
        }
    }

    /// <summary>
    /// Records a follower's fetch at <paramref name="fetchOffset"/> (its log end offset), served while the leader's
    /// log ended at <paramref name="leaderLogEndOffset"/>, with the log start offset the follower sent (-1: not sent);
    /// false when it is not a replica. A fetch beyond the leader's log end is not recorded: that follower holds records
    /// this leader never had (it is answered OFFSET_OUT_OF_RANGE, as in Kafka, where such a fetch never reaches
    /// updateFollowerFetchState), so it must neither count for the high watermark nor look caught up enough to join the ISR.
    /// </summary>
    public bool RecordFollowerFetch(int replicaId, long fetchOffset, long leaderLogEndOffset, long followerLogStartOffset = -1)
    {
        lock (_lock)
        {
            if (!_followers.TryGetValue(replicaId, out var follower)) return false;
            if (fetchOffset > leaderLogEndOffset) return true;
            follower.UpdateFetchState(fetchOffset, leaderLogEndOffset, _time.GetTimestamp());
            follower.LogStartOffset = followerLogStartOffset;
            return true;
        }
    }

    /// <summary>
    /// KIP-392 (Kafka's findPreferredReadReplica): the followers a consumer fetching at <paramref name="fetchOffset"/> may
    /// be sent to, without their racks — members of the committed ISR (an out-of-sync follower would hold the consumer
    /// back indefinitely, KAFKA-14372) whose log holds that offset (log start offset ≤ it ≤ log end offset).
    /// </summary>
    public List<ReplicaView> ReadReplicaCandidates(long fetchOffset)
    {
        var candidates = new List<ReplicaView>();
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            foreach (var (id, follower) in _followers)
            {
                if (!_isr.Contains(id) || follower.LogEndOffset < fetchOffset || follower.LogStartOffset > fetchOffset) continue;
                var since = follower.HasCaughtUp ? _time.GetElapsedTime(follower.LastCaughtUpTimestamp, now) : TimeSpan.MaxValue;
                candidates.Add(new ReplicaView(id, null, follower.LogEndOffset, since));
            }
        }
        return candidates;
    }

    /// <summary>Whether <paramref name="replicaId"/> was last answered with a high watermark below <paramref name="highWatermark"/>.</summary>
    public bool FollowerBehindHighWatermark(int replicaId, long highWatermark)
    {
        lock (_lock) return _followers.TryGetValue(replicaId, out var follower) && follower.HighWatermarkSent < highWatermark;
    }

    /// <summary>Records that <paramref name="replicaId"/>'s fetch was answered with <paramref name="highWatermark"/>.</summary>
    public void HighWatermarkSent(int replicaId, long highWatermark)
    {
        lock (_lock)
        {
            if (_followers.TryGetValue(replicaId, out var follower)) follower.HighWatermarkSent = Math.Max(follower.HighWatermarkSent, highWatermark);
        }
    }

    /// <summary>The follower's last fetch offset, or -1 before its first fetch in this epoch.</summary>
    public long FollowerLogEndOffset(int replicaId)
    {
        lock (_lock) return _followers.TryGetValue(replicaId, out var follower) ? follower.LogEndOffset : -1;
    }

    /// <summary>
    /// Kafka's maybeExpandIsr: when no change is pending and <paramref name="replicaId"/> is a replica outside the
    /// ISR whose log end offset reaches <paramref name="highWatermark"/> and <see cref="EpochStartOffset"/>, and
    /// <paramref name="isEligible"/> (unfenced, not shutting down, KIP-841), makes it the pending expansion and
    /// returns it for the caller to send; null otherwise.
    /// </summary>
    public IsrChange? TryExpand(int replicaId, long highWatermark, Predicate<int> isEligible)
    {
        lock (_lock)
        {
            if (_pending is not null || _isr.Contains(replicaId) || !_followers.TryGetValue(replicaId, out var follower)) return null;
            var leo = follower.LogEndOffset;
            if (!IsrRules.MayJoinIsr(leo, highWatermark, EpochStartOffset, isEligible(replicaId))) return null;
            return _pending = new IsrChange(LeaderEpoch, _partitionEpoch, _isr.Add(replicaId), IsExpand: true);
        }
    }

    /// <summary>
    /// Kafka's maybeShrinkIsr: when no change is pending and ISR members other than the leader are not caught up
    /// (neither at <paramref name="leaderLogEndOffset"/> nor caught up within <c>replica.lag.time.max.ms</c>), makes
    /// the ISR without them the pending shrink and returns it for the caller to send; null otherwise.
    /// </summary>
    public IsrChange? TryShrink(long leaderLogEndOffset)
    {
        lock (_lock)
        {
            if (_pending is not null) return null;
            var now = _time.GetTimestamp();
            ImmutableArray<int>.Builder? kept = null;
            for (var i = 0; i < _isr.Length; i++)
            {
                var member = _isr[i];
                if (IsrRules.IsInSync(member, LeaderId, leaderLogEndOffset, _followers, now, _replicaLagTimeMax, _time))
                {
                    kept?.Add(member);
                    continue;
                }
                if (kept is null)
                {
                    kept = ImmutableArray.CreateBuilder<int>(_isr.Length);
                    for (var j = 0; j < i; j++) kept.Add(_isr[j]);
                }
            }
            if (kept is null) return null;
            // The leader always stays: it is in the ISR it leads (the controller refuses an ISR without it).
            if (!kept.Contains(LeaderId)) kept.Insert(0, LeaderId);
            return _pending = new IsrChange(LeaderEpoch, _partitionEpoch, kept.ToImmutable(), IsExpand: false);
        }
    }

    /// <summary>
    /// The high watermark the maximal ISR allows: the minimum log end offset over it, <paramref name="leaderLogEndOffset"/>
    /// being the leader's own; null when a member has not fetched yet in this epoch or the minimum is below
    /// <see cref="EpochStartOffset"/> (a leader only commits in its own epoch).
    /// </summary>
    public long? CandidateHighWatermark(long leaderLogEndOffset)
    {
        lock (_lock) return IsrRules.CandidateHighWatermark(LeaderId, leaderLogEndOffset, EpochStartOffset, MaximalIsrLocked().AsSpan(), _followers);
    }

    private ImmutableArray<int> MaximalIsrLocked()
    {
        if (_pending is not { IsExpand: true } expansion) return _isr;
        return expansion.NewIsr;
    }

    private (bool Shrunk, bool Expanded) Commit(ImmutableArray<int> isr, int partitionEpoch)
    {
        var shrunk = false;
        var expanded = false;
        foreach (var member in _isr) shrunk |= !isr.Contains(member);
        foreach (var member in isr) expanded |= !_isr.Contains(member);
        _isr = isr;
        _partitionEpoch = partitionEpoch;
        return (shrunk, expanded);
    }

    private void AddFollowerStates(long now)
    {
        foreach (var replica in _replicas)
            if (replica != LeaderId && !_followers.ContainsKey(replica)) _followers[replica] = new FollowerFetchState(_isr.Contains(replica), now);
    }
}
