namespace Fjord.Coordinator.ConsumerOffsets;

/// <summary>
/// The transactional producer a <c>__consumer_offsets</c> batch is written for (TxnOffsetCommit, KIP-98): its
/// producer id and epoch go into the batch header with the transactional flag set, so that the transaction's
/// marker, written to the same partition by WriteTxnMarkers, commits or aborts the batch's offsets. Immutable.
/// </summary>
public readonly record struct TransactionalProducer(long ProducerId, short ProducerEpoch);
