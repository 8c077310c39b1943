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

    /// <summary>Appends one record batch to <paramref name="partition"/> and makes it durable as the log's config says; returns the storage error, if any.</summary>
    ErrorCode Append(int partition, ReadOnlyMemory<byte> batch);

    /// <summary>
    /// Reads whole batches from <paramref name="fromOffset"/> (moved up to the log start offset if
    /// below it), at least one batch if any, up to about <paramref name="maxBytes"/>.
    /// </summary>
    ConsumerOffsetsChunk Read(int partition, long fromOffset, int maxBytes);
}

/// <summary>
/// Batches read from one <c>__consumer_offsets</c> partition, with the offsets that bound the read.
/// Owns its buffer (if pooled) until disposed. Not thread-safe.
/// </summary>
public sealed class ConsumerOffsetsChunk(ErrorCode error, ReadOnlyMemory<byte> records, long highWatermark, IDisposable? owner = null) : IDisposable
{
    public ErrorCode Error { get; } = error;

    public ReadOnlyMemory<byte> Records { get; } = records;

    /// <summary>Loading stops here: records above it are not committed yet.</summary>
    public long HighWatermark { get; } = highWatermark;

    public void Dispose() => owner?.Dispose();
}
