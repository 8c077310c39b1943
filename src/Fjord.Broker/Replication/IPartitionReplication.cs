using Fjord.Protocol.Errors;
using Fjord.Storage;

namespace Fjord.Broker.Replication;

/// <summary>
/// What Produce and Fetch ask of partition replication: the ISR check before an acks=all
/// append, the wait until the high watermark passes it, the leader's record of a follower's fetch
/// offset, and which replica a consumer should read from (KIP-392). Implementations are thread-safe (called on request threads).
/// </summary>
public interface IPartitionReplication
{
    /// <summary>
    /// Before an acks=all append: NOT_ENOUGH_REPLICAS when the ISR is smaller than the log's
    /// <c>min.insync.replicas</c>; <see cref="ErrorCode.None"/> otherwise (and for partitions this node does not replicate).
    /// </summary>
    ErrorCode CheckEnoughReplicas(TopicPartition partition, PartitionLog log);

    /// <summary>After the leader appended: moves the high watermark when the ISR is the leader alone.</summary>
    void OnLeaderAppended(TopicPartition partition, PartitionLog log);

    /// <summary>
    /// Completes with <see cref="ErrorCode.None"/> once the high watermark reaches <paramref name="offset"/>;
    /// NOT_ENOUGH_REPLICAS_AFTER_APPEND when it does but the ISR has meanwhile shrunk below
    /// <c>min.insync.replicas</c> (Kafka's checkEnoughReplicasReachOffset: the write is committed by fewer replicas
    /// than asked for); REQUEST_TIMED_OUT after <paramref name="timeout"/>; NOT_LEADER_OR_FOLLOWER when leadership
    /// moves away first.
    /// </summary>
    Task<ErrorCode> WaitForHighWatermarkAsync(TopicPartition partition, PartitionLog log, long offset, TimeSpan timeout, CancellationToken cancel);

    /// <summary>
    /// Leader side of a replica's Fetch: <paramref name="fetchOffset"/> is the follower's log end offset and
    /// <paramref name="replicaLogStartOffset"/> the log start offset it sent (Kafka's updateFollowerFetchState); may
    /// advance the high watermark or expand the ISR. Returns false when this node does not lead the partition as a
    /// replicated leader.
    /// </summary>
    bool OnReplicaFetch(TopicPartition partition, PartitionLog log, int replicaId, long fetchOffset, long replicaLogStartOffset);

    /// <summary>
    /// KIP-392: whether <paramref name="replicaId"/>'s fetch must be answered now, records or not, because the high
    /// watermark (<paramref name="highWatermark"/>) moved past the one it was last answered with. Only where followers
    /// serve consumers (<c>replica.selector.class</c> rack-aware): a follower's high watermark bounds what its consumers
    /// read, and waiting for the next append or the fetch's max wait held them back by up to 500 ms.
    /// </summary>
    bool ReplicaAwaitsHighWatermark(TopicPartition partition, PartitionLog log, int replicaId, long highWatermark);

    /// <summary>Records the high watermark a replica's fetch of <paramref name="partition"/> was answered with.</summary>
    void HighWatermarkSentToReplica(TopicPartition partition, PartitionLog log, int replicaId, long highWatermark);

    /// <summary>
    /// KIP-392, leader side of a consumer's Fetch (v11+) from <paramref name="clientRack"/> at <paramref name="fetchOffset"/>:
    /// the broker the configured <c>replica.selector.class</c> prefers the consumer to read from, or -1 for this leader
    /// itself (no selector, no better replica, or not this node's partition).
    /// </summary>
    int PreferredReadReplica(TopicPartition partition, PartitionLog log, string clientRack, long fetchOffset);

    /// <summary>
    /// Leader side of KIP-73: whether what this leader sends <paramref name="replicaId"/> for <paramref name="partition"/>
    /// is throttled — <c>leader.replication.throttled.replicas</c> lists this broker's replica, a
    /// <c>leader.replication.throttled.rate</c> is set, and the follower is not in the ISR (in-sync replicas are never throttled).
    /// </summary>
    bool IsLeaderThrottled(TopicPartition partition, PartitionLog log, int replicaId);

    /// <summary>Whether the leader's replication quota is used up for now: throttled partitions then return no records (not an error).</summary>
    bool IsLeaderQuotaExceeded();

    /// <summary>Counts bytes sent for throttled partitions against the leader's quota.</summary>
    void RecordLeaderThrottledBytes(long bytes);

    /// <summary>How this node replicates <paramref name="partition"/>; null for partitions outside the metadata image (kept locally, single-node rules).</summary>
    PartitionReplicaStatus? StatusOf(TopicPartition partition);
}
