using System.Collections.Immutable;
using Fjord.Storage;

namespace Fjord.Broker.Replication;

/// <summary>
/// The leader's view of one replicated partition in one leader epoch (Kafka's Partition leader state):
/// the ISR from the metadata image, each follower's log end offset as its last fetch reported it, and the
/// log end offset at the start of this epoch, below which the high watermark is not advanced by this leader.
/// Thread-safe: every member is read and written under the instance lock.
/// </summary>
public sealed class LeaderPartitionState(TopicPartition partition, PartitionLog log, int leaderEpoch, long epochStartOffset, ImmutableArray<int> isr, ImmutableArray<int> replicas)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, long> _followerLogEndOffsets = [];
    private ImmutableArray<int> _isr = isr;
    private ImmutableArray<int> _replicas = replicas;

    public TopicPartition Partition { get; } = partition;

    public PartitionLog Log { get; } = log;

    public int LeaderEpoch { get; } = leaderEpoch;

    /// <summary>The leader's log end offset when it took this epoch (Kafka's leaderEpochStartOffset).</summary>
    public long EpochStartOffset { get; } = epochStartOffset;

    public ImmutableArray<int> Isr
    {
        get { lock (_lock) return _isr; }
    }

    /// <summary>Takes the ISR and replica set of a newer image in the same leader epoch.</summary>
    public void UpdateMembership(ImmutableArray<int> isr, ImmutableArray<int> replicas)
    {
        lock (_lock) (_isr, _replicas) = (isr, replicas);
    }

    /// <summary>Records a follower's fetch offset as its log end offset; false when it is not a replica.</summary>
    public bool RecordFollowerFetch(int replicaId, long fetchOffset)
    {
        lock (_lock)
        {
            if (!_replicas.Contains(replicaId)) return false;
            _followerLogEndOffsets[replicaId] = fetchOffset;
            return true;
        }
    }

    /// <summary>The follower's last fetch offset, or -1 before its first fetch in this epoch.</summary>
    public long FollowerLogEndOffset(int replicaId)
    {
        lock (_lock) return _followerLogEndOffsets.GetValueOrDefault(replicaId, -1);
    }

    /// <summary>
    /// The high watermark the ISR allows: the minimum log end offset over the ISR (the leader's own being the
    /// log's); null when a member has not fetched yet in this epoch or the minimum is below
    /// <see cref="EpochStartOffset"/> (a leader only commits in its own epoch).
    /// </summary>
    public long? CandidateHighWatermark(int leaderId)
    {
        lock (_lock)
        {
            var candidate = Log.LogEndOffset;
            foreach (var member in _isr)
            {
                if (member == leaderId) continue;
                if (!_followerLogEndOffsets.TryGetValue(member, out var leo)) return null;
                candidate = Math.Min(candidate, leo);
            }
            return candidate >= EpochStartOffset ? candidate : null;
        }
    }
}
