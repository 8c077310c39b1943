namespace Fjord.Chaos;

/// <summary>What the clients of a chaos run do (<c>--workload</c>).</summary>
public enum ChaosWorkload
{
    /// <summary>Idempotent acks=all producers writing unique values; checked for lost, duplicated, moved and reordered records.</summary>
    Idempotent,

    /// <summary>Transactional producers over several partitions, read_committed consumers; checked by <see cref="Checking.TransactionChecker"/>.</summary>
    Transactions,
}
