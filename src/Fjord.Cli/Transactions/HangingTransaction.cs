namespace Fjord.Cli.Transactions;

/// <summary>One row of find-hanging: an open transaction on a partition that no coordinator will ever end.</summary>
public sealed record HangingTransaction(
    string Topic, int Partition, long ProducerId, int ProducerEpoch, int CoordinatorEpoch, long StartOffset, long LastTimestamp, long DurationMinutes);
