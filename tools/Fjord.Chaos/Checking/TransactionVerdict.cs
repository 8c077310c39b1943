using System.Globalization;
using Fjord.Chaos.Workload;

namespace Fjord.Chaos.Checking;

/// <summary>
/// What <see cref="TransactionChecker"/> found, one list per anomaly, and the counts of what it checked. Every list empty
/// means: read_committed readers saw no record of a transaction that never committed (G1a), every acknowledged commit is
/// wholly present in the final read (no intermediate read, G1b, and nothing lost), a transaction whose commit outcome is
/// unknown is there wholly or not at all, no value appears twice, each partition keeps a producer's transactions in
/// order, no consumer saw a producer's later transaction in a partition without the earlier committed one there
/// (G1c-lite), no fenced producer's commit went through, nothing a consumer read is gone from the final read, and the log holds no value the workload never wrote.
/// Immutable.
/// </summary>
public sealed record TransactionVerdict
{
    public int Committed { get; init; }

    public int Aborted { get; init; }

    public int Unknown { get; init; }

    /// <summary>Records in the final read plus records consumers were handed during the run.</summary>
    public int RecordsChecked { get; init; }

    /// <summary>G1a: a reader (a consumer or "final read") was handed a record of a transaction that never committed.</summary>
    public IReadOnlyList<(string Reader, ConsumedRecord Record, TransactionAttempt Transaction)> AbortedReads { get; init; } = [];

    /// <summary>G1b: an acknowledged commit only partly present in the final read (how many of its records are).</summary>
    public IReadOnlyList<(TransactionAttempt Transaction, int Visible)> IntermediateReads { get; init; } = [];

    /// <summary>An acknowledged commit with none of its records in the final read.</summary>
    public IReadOnlyList<TransactionAttempt> LostCommits { get; init; } = [];

    /// <summary>A transaction with an unknown commit outcome only partly present in the final read.</summary>
    public IReadOnlyList<(TransactionAttempt Transaction, int Visible)> UnknownPartial { get; init; } = [];

    public IReadOnlyList<(string Value, IReadOnlyList<(int Partition, long Offset)> Positions)> Duplicated { get; init; } = [];

    /// <summary>In a partition of the final read, a producer's record that follows a later one of the same producer.</summary>
    public IReadOnlyList<(int Partition, ConsumedRecord Earlier, ConsumedRecord Later)> Reordered { get; init; } = [];

    /// <summary>G1c-lite: a consumer read transaction Later of a producer in a partition without first reading the producer's earlier committed transaction Missing there.</summary>
    public IReadOnlyList<(string Consumer, int Partition, string Later, string Missing)> SkippedPredecessors { get; init; } = [];

    /// <summary>A record a consumer was handed that the final read holds no longer (a different value, or nothing, at its offset).</summary>
    public IReadOnlyList<(string Consumer, ConsumedRecord Record, string? Now)> Vanished { get; init; } = [];

    /// <summary>A producer fenced by its successor's InitTransactions whose commit call still returned ok (KIP-98: it must fail).</summary>
    public IReadOnlyList<TransactionAttempt> ZombieCommits { get; init; } = [];

    /// <summary>Transactions whose producer was fenced on purpose before committing (informational).</summary>
    public int Fenced { get; init; }

    /// <summary>Values in the final read that the workload never wrote in a recorded transaction.</summary>
    public IReadOnlyList<ConsumedRecord> Foreign { get; init; } = [];

    public int AnomalyCount => AbortedReads.Count + IntermediateReads.Count + LostCommits.Count + UnknownPartial.Count + Duplicated.Count
        + Reordered.Count + SkippedPredecessors.Count + Vanished.Count + Foreign.Count + ZombieCommits.Count;

    public bool IsClean => AnomalyCount == 0;

    /// <summary>The counts of the verdict line.</summary>
    public string Counts => string.Create(CultureInfo.InvariantCulture,
        $"committed={Committed} aborted={Aborted} unknown={Unknown} fenced={Fenced} records={RecordsChecked} aborted_read={AbortedReads.Count} intermediate={IntermediateReads.Count} lost={LostCommits.Count} unknown_partial={UnknownPartial.Count} duplicated={Duplicated.Count} reordered={Reordered.Count} skipped={SkippedPredecessors.Count} vanished={Vanished.Count} foreign={Foreign.Count} zombie_commit={ZombieCommits.Count}");
}
