namespace Fjord.Cli.Transactions;

/// <summary>
/// kafka-transactions.sh find-hanging's rule, as plain functions: an open transaction on a partition is a candidate
/// once its producer's last write is older than the longest transaction timeout the cluster allows (the coordinator
/// should have aborted it by then); a candidate hangs when no coordinator knows it — no transactional id lists its
/// producer id, or the transaction the coordinator describes for that producer is not ongoing with this epoch and
/// this partition. Pure; any thread.
/// </summary>
public static class HangingTransactions
{
    /// <summary>Whether an open transaction (start offset ≥ 0) has outlived <paramref name="maxTransactionTimeout"/>.</summary>
    public static bool IsCandidate(long currentTxnStartOffset, long lastTimestampMs, DateTimeOffset now, TimeSpan maxTransactionTimeout) =>
        currentTxnStartOffset >= 0 && now.ToUnixTimeMilliseconds() - lastTimestampMs >= (long)maxTransactionTimeout.TotalMilliseconds;

    /// <summary>
    /// Whether the coordinator's view <paramref name="described"/> (null: no transactional id for the producer) accounts for
    /// the open transaction of <paramref name="producerId"/>/<paramref name="producerEpoch"/> on the partition.
    /// </summary>
    public static bool IsHanging(TransactionView? described, long producerId, int producerEpoch, string topic, int partition) =>
        described is not { State: "Ongoing" } view
        || view.ProducerId != producerId
        || view.ProducerEpoch != producerEpoch
        || !view.Partitions.Contains((topic, partition));
}
