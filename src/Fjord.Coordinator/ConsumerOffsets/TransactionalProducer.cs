namespace Fjord.Coordinator.ConsumerOffsets;

/// <summary>
/// The transactional producer a <c>__consumer_offsets</c> batch is written for (TxnOffsetCommit, KIP-98): its
/// producer id and epoch go into the batch header with the transactional flag set, so that the transaction's
/// marker, written to the same partition by WriteTxnMarkers, commits or aborts the batch's offsets. Immutable.
/// </summary>
public readonly record struct TransactionalProducer(long ProducerId, short ProducerEpoch)
{
    /// <summary>
    /// The broker's KIP-890 verification guard for the batch's partition (opaque here: the log that appends the batch
    /// checks it, so a marker written while the coordinator was asked refuses the append). Null: not verified.
    /// </summary>
    public object? VerificationGuard { get; init; }
}
