namespace Fjord.Coordinator.Transactions;

/// <summary>
/// Everything Fjord knows about one transactional id: Kafka's TransactionLogValue (the value of a
/// <c>__transaction_state</c> record) plus <see cref="LastProducerEpoch"/>, which Kafka keeps in memory
/// only. A record's value is the whole state after the transition it records, so replaying a record
/// simply replaces the previous value. Immutable; safe from any thread.
/// </summary>
public sealed record TransactionLogValue
{
    /// <summary>The producer id the transactional id uses now.</summary>
    public required long ProducerId { get; init; }

    /// <summary>The producer id before the last rotation (epoch exhaustion), or -1; tagged field 0 of value version 1.</summary>
    public long PreviousProducerId { get; init; } = -1;

    /// <summary>KIP-890: the producer id a transaction ending with an exhausted epoch hands over to, or -1; tagged field 1.</summary>
    public long NextProducerId { get; init; } = -1;

    public required short ProducerEpoch { get; init; }

    /// <summary>
    /// The epoch before the last client-requested bump (KIP-360: lets a retried InitProducerId get the same answer),
    /// or -1. Not in Kafka's record layout: lost on failover, as in Kafka.
    /// </summary>
    public short LastProducerEpoch { get; init; } = -1;

    public required int TransactionTimeoutMs { get; init; }

    public required TransactionState State { get; init; }

    /// <summary>The partitions of the current transaction, sorted by topic then partition; empty unless Ongoing or Prepare*.</summary>
    public IReadOnlyList<TransactionPartition> Partitions { get; init; } = [];

    public required long LastUpdateTimestampMs { get; init; }

    /// <summary>When the current (or last) transaction started, or -1.</summary>
    public long StartTimestampMs { get; init; } = -1;

    /// <summary>KIP-890's transaction version the client used for its last transaction (0-2); tagged field 2.</summary>
    public short ClientTransactionVersion { get; init; }

    /// <summary>True when every end of a transaction bumps the epoch (transaction version 2, KIP-890 part 2).</summary>
    public bool BumpsEpochOnEnd => ClientTransactionVersion >= 2;

    public bool Equals(TransactionLogValue? other) =>
        other is not null
        && ProducerId == other.ProducerId
        && PreviousProducerId == other.PreviousProducerId
        && NextProducerId == other.NextProducerId
        && ProducerEpoch == other.ProducerEpoch
        && LastProducerEpoch == other.LastProducerEpoch
        && TransactionTimeoutMs == other.TransactionTimeoutMs
        && State == other.State
        && Partitions.SequenceEqual(other.Partitions)
        && LastUpdateTimestampMs == other.LastUpdateTimestampMs
        && StartTimestampMs == other.StartTimestampMs
        && ClientTransactionVersion == other.ClientTransactionVersion;

    public override int GetHashCode() => HashCode.Combine(ProducerId, ProducerEpoch, State, Partitions.Count, LastUpdateTimestampMs);
}
