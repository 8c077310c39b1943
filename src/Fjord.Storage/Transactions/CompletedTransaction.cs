namespace Fjord.Storage.Transactions;

/// <summary>
/// A transaction ended by a marker during an append or a replay (Kafka's <c>CompletedTxn</c>): the marker's
/// offset is <see cref="LastOffset"/>. <see cref="LastStableOffset"/> is what the aborted-transaction index
/// records for it. Immutable.
/// </summary>
internal readonly record struct CompletedTransaction(long ProducerId, long FirstOffset, long LastOffset, bool IsAborted, long LastStableOffset)
{
    public AbortedTransaction ToAborted() => new(ProducerId, FirstOffset, LastOffset, LastStableOffset);
}
