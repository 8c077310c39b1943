namespace Fjord.Coordinator.Transactions;

/// <summary>
/// Where a transactional id's current transaction stands, with the ids Kafka stores in the
/// <c>transaction_status</c> field of <c>__transaction_state</c> values (so the bytes match Kafka's).
/// </summary>
public enum TransactionState : sbyte
{
    /// <summary>Initialised (InitProducerId) or idle; no partitions.</summary>
    Empty = 0,

    /// <summary>Partitions were added; the producer is writing.</summary>
    Ongoing = 1,

    /// <summary>EndTxn(commit) is durable; commit markers are being written.</summary>
    PrepareCommit = 2,

    /// <summary>EndTxn(abort), a timeout or a fencing InitProducerId is durable; abort markers are being written.</summary>
    PrepareAbort = 3,

    /// <summary>Every commit marker is written.</summary>
    CompleteCommit = 4,

    /// <summary>Every abort marker is written.</summary>
    CompleteAbort = 5,

    /// <summary>The id expired; only a tombstone follows. Never stored by Fjord (Kafka keeps it in memory only).</summary>
    Dead = 6,

    /// <summary>Kafka's transient "fence the producer, then abort" step; never stored, listed for the byte mapping.</summary>
    PrepareEpochFence = 7,
}
