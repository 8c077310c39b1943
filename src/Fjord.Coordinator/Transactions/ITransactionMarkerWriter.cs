using Fjord.Protocol.Errors;

namespace Fjord.Coordinator.Transactions;

/// <summary>
/// Writes transaction markers (COMMIT or ABORT control records) to the leaders of data partitions, as
/// Kafka's TransactionMarkerChannelManager does with WriteTxnMarkers requests. The broker implements it:
/// locally for partitions this node leads, with WriteTxnMarkers to the leader otherwise. Called from any
/// thread, several calls may be in flight at once.
/// </summary>
public interface ITransactionMarkerWriter
{
    /// <summary>
    /// Writes the marker for <paramref name="producerId"/>/<paramref name="producerEpoch"/> to each partition and
    /// returns one error per partition (a partition missing from the answer counts as REQUEST_TIMED_OUT):
    /// <list type="bullet">
    /// <item>NONE: written;</item>
    /// <item>UNKNOWN_TOPIC_OR_PARTITION: only when the partition no longer exists in the cluster metadata (its topic was
    /// deleted) — the coordinator then drops it, as Kafka does for partitions without a leader. A partition whose
    /// leader is merely unknown or moving must answer NOT_LEADER_OR_FOLLOWER instead, which is retried;</item>
    /// <item>NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS(_AFTER_APPEND), REQUEST_TIMED_OUT, KAFKA_STORAGE_ERROR,
    /// COORDINATOR_LOAD_IN_PROGRESS and the like: retried with back-off;</item>
    /// <item>INVALID_PRODUCER_EPOCH, TRANSACTION_COORDINATOR_FENCED: a newer producer or coordinator took over,
    /// the coordinator stops writing this transaction's markers;</item>
    /// <item>UNSUPPORTED_FOR_MESSAGE_FORMAT, UNSUPPORTED_VERSION: the partition is dropped (the producer could not have written to it).</item>
    /// </list>
    /// An exception counts as a retriable failure of every partition.
    /// </summary>
    Task<IReadOnlyDictionary<TransactionPartition, ErrorCode>> WriteMarkersAsync(
        long producerId,
        short producerEpoch,
        int coordinatorEpoch,
        bool commit,
        IReadOnlyList<TransactionPartition> partitions,
        CancellationToken cancellationToken);
}
