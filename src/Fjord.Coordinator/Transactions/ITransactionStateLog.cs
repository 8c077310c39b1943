using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Protocol.Errors;

namespace Fjord.Coordinator.Transactions;

/// <summary>
/// The coordinator's view of the <c>__transaction_state</c> partition logs, shaped like
/// <see cref="IConsumerOffsetsLog"/> (and sharing its result types): create the topic on first use, append a
/// batch, read batches back for loading. The broker implements it over its partition logs, creating the topic
/// internal with Kafka's enforced configs (<c>cleanup.policy=compact</c>, <c>compression.type=uncompressed</c>,
/// <c>unclean.leader.election.enable=false</c>, <c>min.insync.replicas</c> = transaction.state.log.min.isr) and
/// appending with acks=all. Called only from the coordinator's event loop.
/// </summary>
public interface ITransactionStateLog
{
    /// <summary>Partitions of the existing topic, or null when it does not exist yet.</summary>
    int? PartitionCount { get; }

    /// <summary>Creates the topic with <paramref name="partitions"/> partitions if it is missing; returns the error if that failed.</summary>
    ErrorCode CreateTopic(int partitions);

    /// <summary>
    /// Appends one record batch to <paramref name="partition"/>. Returns the storage error, if any, and — for a
    /// replicated partition — the wait until the batch is committed (null: committed already).
    /// </summary>
    ConsumerOffsetsAppend Append(int partition, ReadOnlyMemory<byte> batch);

    /// <summary>Reads whole batches from <paramref name="fromOffset"/>, at least one if any, up to about <paramref name="maxBytes"/>.</summary>
    ConsumerOffsetsChunk Read(int partition, long fromOffset, int maxBytes);
}
