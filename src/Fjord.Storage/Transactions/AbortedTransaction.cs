namespace Fjord.Storage.Transactions;

/// <summary>
/// One entry of a segment's aborted-transaction index (Kafka's <c>AbortedTxn</c>): the producer, the first
/// offset of its aborted transaction, the offset of the ABORT marker, and the last stable offset right after
/// the marker (the first offset of the next transaction still open then, else the marker's offset + 1).
/// A read_committed Fetch returns <see cref="ProducerId"/> and <see cref="FirstOffset"/> as
/// <c>aborted_transactions</c>. Immutable.
/// </summary>
public readonly record struct AbortedTransaction(long ProducerId, long FirstOffset, long LastOffset, long LastStableOffset);
