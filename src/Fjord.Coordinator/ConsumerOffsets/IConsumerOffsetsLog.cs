using Fjord.Protocol.Errors;

namespace Fjord.Coordinator.ConsumerOffsets;

/// <summary>
/// The coordinator's view of the <c>__consumer_offsets</c> partition logs: create the topic on first
/// use, append a batch, read batches back for loading. The broker implements it over its topic
/// catalogue and partition logs (creating the topic internal, <c>cleanup.policy=compact</c>).
/// Called only from the coordinator's event loop, but implementations must tolerate other threads
/// using the same logs (produce/fetch of the topic by tools).
/// </summary>
public interface IConsumerOffsetsLog
{
    /// <summary>Partitions of the existing topic, or null when it does not exist yet.</summary>
    int? PartitionCount { get; }

    /// <summary>Creates the topic with <paramref name="partitions"/> partitions if it is missing; returns the error if that failed.</summary>
    ErrorCode CreateTopic(int partitions);

    /// <summary>
    /// Appends one record batch to <paramref name="partition"/> and makes it durable as the log's config says.
    /// Returns the storage error, if any, and — for a replicated partition — the wait until the batch is
    /// committed (Kafka appends coordinator records with acks=all and answers only then).
    /// <paramref name="transaction"/> is set for a TxnOffsetCommit's batch, which is transactional and carries that
    /// producer id and epoch in its header: the log checks the epoch (a fenced producer's append fails with
    /// INVALID_PRODUCER_EPOCH or PRODUCER_FENCED, returned as the error) and tracks the open transaction until its
    /// marker, as for a producer's transactional batch.
    /// </summary>
    ConsumerOffsetsAppend Append(int partition, ReadOnlyMemory<byte> batch, TransactionalProducer? transaction = null);

    /// <summary>
    /// Reads whole batches from <paramref name="fromOffset"/> (moved up to the log start offset if
    /// below it), at least one batch if any, up to about <paramref name="maxBytes"/>.
    /// </summary>
    ConsumerOffsetsChunk Read(int partition, long fromOffset, int maxBytes);
}

/// <summary>
/// The outcome of <see cref="IConsumerOffsetsLog.Append"/>: the append's own error and, when the batch is in
/// the log but not yet committed (replicated to the ISR), a task completing with the commit's outcome
/// (NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS_AFTER_APPEND or none). Null: committed
/// already (a single node, or a partition whose only replica is this node). Immutable.
/// </summary>
public readonly record struct ConsumerOffsetsAppend(ErrorCode Error, Task<ErrorCode>? Committed = null)
{
    public static implicit operator ConsumerOffsetsAppend(ErrorCode error) => new(error);
}

/// <summary>
/// Batches read from one <c>__consumer_offsets</c> partition, with the offsets that bound the read.
/// Owns its buffer (if pooled) until disposed. Not thread-safe.
/// </summary>
public sealed class ConsumerOffsetsChunk(ErrorCode error, ReadOnlyMemory<byte> records, long highWatermark, IDisposable? owner = null) : IDisposable
{
    public ErrorCode Error { get; } = error;

    public ReadOnlyMemory<byte> Records { get; } = records;

    /// <summary>
    /// Loading stops here: on a single node the high watermark (records above it are not committed yet); on a
    /// replicated partition's new leader the log end offset, since its whole log becomes committed under the new
    /// leader epoch (Kafka's loader reads to the log end as well).
    /// </summary>
    public long HighWatermark { get; } = highWatermark;

    public void Dispose() => owner?.Dispose();
}
