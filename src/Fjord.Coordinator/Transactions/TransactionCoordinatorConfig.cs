namespace Fjord.Coordinator.Transactions;

/// <summary>The broker configs the transaction coordinator obeys, with Kafka's names and defaults. Immutable.</summary>
public sealed record TransactionCoordinatorConfig
{
    /// <summary>The internal topic holding transaction state.</summary>
    public const string TopicName = "__transaction_state";

    /// <summary><c>transaction.state.log.num.partitions</c>: partitions of <c>__transaction_state</c>; fixed once the topic exists.</summary>
    public int TransactionStateLogNumPartitions { get; init; } = 50;

    /// <summary><c>transaction.max.timeout.ms</c>: the longest transaction.timeout.ms a producer may ask for (15 minutes).</summary>
    public int TransactionMaxTimeoutMs { get; init; } = 900_000;

    /// <summary><c>transactional.id.expiration.ms</c>: an id idle (no transaction) this long is forgotten (7 days).</summary>
    public long TransactionalIdExpirationMs { get; init; } = 604_800_000;

    /// <summary><c>transaction.abort.timed.out.transaction.cleanup.interval.ms</c>: how often timed-out transactions are looked for.</summary>
    public long TransactionAbortTimedOutTransactionCleanupIntervalMs { get; init; } = 10_000;

    /// <summary><c>transaction.remove.expired.transaction.cleanup.interval.ms</c>: how often expired transactional ids are looked for (1 hour).</summary>
    public long TransactionRemoveExpiredTransactionCleanupIntervalMs { get; init; } = 3_600_000;

    /// <summary><c>offsets.topic.num.partitions</c>: AddOffsetsToTxn adds the group's <c>__consumer_offsets</c> partition.</summary>
    public int OffsetsTopicNumPartitions { get; init; } = 50;

    /// <summary>
    /// The cluster's <c>transaction.version</c> feature level (KIP-890; Kafka 4.0 enables 2 on new clusters). From 1 on,
    /// values are written in the flexible layout (value version 1) as Kafka does; 0 writes version 0.
    /// </summary>
    public short TransactionVersion { get; init; } = 2;

    /// <summary>The TransactionLogValue version Kafka writes at <see cref="TransactionVersion"/>.</summary>
    public short TransactionLogValueVersion => TransactionVersion >= 1 ? (short)1 : (short)0;

    /// <summary>Kafka's fixed back-off before a failed marker write or completion append is retried.</summary>
    public int MarkerRetryBackoffMs { get; init; } = 100;
}
